<?php
// What one account costs Moodle, step by step: core_user_create_users' path (user/externallib.php,
// user_create_user() then auth_manual's user_update_password()) beside the CLI upload's
// (admin/tool/uploaduser: a 5,000-round hash written with the insert). Run by
// ``python -m bench.bench_moodle_lab --create-cost`` as www-data: php THIS MOODLE_DIR N.
define('CLI_SCRIPT', true);
require($argv[1] . '/config.php');
require_once($CFG->dirroot . '/user/lib.php');
\core\session\manager::set_user(get_admin());
$n = (int) ($argv[2] ?? 100);
$spent = [];
$lap = function (string $step, float $since) use (&$spent): void {
    $spent[$step] = ($spent[$step] ?? 0) + microtime(true) - $since;
};
$tag = 'cost' . time() . '_';
for ($i = 0; $i < $n; $i++) {
    $user = ['username' => "$tag$i", 'firstname' => 'A', 'lastname' => "B$i",
             'email' => "$tag$i@example.org", 'auth' => 'manual', 'idnumber' => "$tag$i",
             'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id];
    $s = microtime(true);
    $DB->record_exists('user', ['username' => $user['username'], 'mnethostid' => 1]);
    $DB->record_exists_select('user', $DB->sql_equal('email', ':email', false) .
        ' AND mnethostid = :m', ['email' => $user['email'], 'm' => 1]);
    $lap('checks (username, email)', $s);
    $s = microtime(true); $id = user_create_user($user, false, false); $lap('insert + user context', $s);
    $s = microtime(true); get_complete_user_data('id', $id); $lap('get_complete_user_data (WS only)', $s);
    $s = microtime(true); set_user_preference('auth_manual_passwordupdatetime', time(), $id);
    $lap('preference passwordupdatetime (WS only)', $s);
    $s = microtime(true); $hash = hash_internal_user_password('01022010'); $lap('hash, 10,000 rounds (WS)', $s);
    $s = microtime(true); hash_internal_user_password('01022010', true); $lap('hash, 5,000 rounds (CLI)', $s);
    $s = microtime(true);
    $DB->set_field('user', 'password', $hash, ['id' => $id]);
    \core\event\user_password_updated::create_from_user($DB->get_record('user', ['id' => $id]))->trigger();
    $lap('hash written + password_updated event (WS only)', $s);
    $s = microtime(true); set_user_preference('auth_forcepasswordchange', 1, $id); $lap('preference forcepasswordchange', $s);
    $s = microtime(true); \core\event\user_created::create_from_userid($id)->trigger(); $lap('user_created event', $s);
}
$cli = ['checks (username, email)', 'insert + user context', 'hash, 5,000 rounds (CLI)',
        'preference forcepasswordchange', 'user_created event'];
foreach ($spent as $step => $seconds) {
    printf("  %-50s %6.2f ms\n", $step, $seconds / $n * 1000);
}
$ws = array_sum($spent) - $spent['hash, 5,000 rounds (CLI)'];
$cliall = array_sum(array_intersect_key($spent, array_flip($cli)));
printf("  %-50s %6.2f ms (the CLI's steps: %.2f ms)\n", "web service's steps, per account", $ws / $n * 1000, $cliall / $n * 1000);

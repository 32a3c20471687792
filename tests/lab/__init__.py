"""The live Moodle test lab: where it is, how to talk to it and to its own database.

The lab (``../shared/moodle``, see its README) writes an env file of ``export`` lines. The
tests find a Moodle to run against, in this order:

1. ``CPRO_SIECLE_TEST_MOODLE_URL`` + ``CPRO_SIECLE_TEST_MOODLE_TOKEN`` (a user's own *test*
   Moodle; add ``CPRO_SIECLE_TEST_MOODLE_DB_URL`` for the checks made in Moodle's database,
   ``CPRO_SIECLE_TEST_MOODLE_ADMIN_TOKEN`` for the clean-ups and ``..._PARENT_ROLE``);
2. the env file named by ``CPRO_SIECLE_TEST_MOODLE_ENV`` (default ``/var/tmp/cpro-moodle/env``,
   the lab that ``make test`` sets up).

Without either, the lab tests are skipped with :data:`HOW_TO`; with
``CPRO_SIECLE_TEST_MOODLE_REQUIRED=1`` (set by ``make test`` when it set the lab up) they fail
instead, so CI never skips them silently.

Every lab test leaves the site with the accounts and cohorts it made: :meth:`Lab.clean` (run
by the fixtures) deletes every account but the lab's own three and every cohort, through the
admin token, in a few requests; :meth:`Lab.reset` restores the lab's snapshot (about 5 s).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from cpro_siecle_plugin.adapters._moodle_rest import flatten

with warnings.catch_warnings():  # deprecated since 3.11; Moodle stores SHA-512 crypt hashes
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

DEFAULT_ENV = "/var/tmp/cpro-moodle/env"
HOW_TO = (
    "no test Moodle: run `bash ../shared/moodle/setup.sh` (a local lab, env file "
    f"{DEFAULT_ENV}), or point CPRO_SIECLE_TEST_MOODLE_ENV at a lab's env file, or set "
    "CPRO_SIECLE_TEST_MOODLE_URL and CPRO_SIECLE_TEST_MOODLE_TOKEN (+ _ADMIN_TOKEN, _DB_URL, "
    "_PARENT_ROLE) for a test Moodle of your own -- never a production site: the tests "
    "delete every account and cohort they find")
#: Accounts of the clean lab: guest, admin, the web-service account.
LAB_USERS = (1, 2, 3)
#: What ``Lab.clean`` runs on Moodle's database (see there).
_CLEAN_SQL = (
    "delete from mdl_cohort_members",
    "delete from mdl_cohort",
    "delete from mdl_role_assignments where userid > 3 or contextid in (select id from "
    "mdl_context where contextlevel = 30 and instanceid > 3)",
    "delete from mdl_user_preferences where userid > 3",
    "update mdl_user set deleted = 1, username = 'deleted.' || id || '.' || username, "
    "email = md5(email), idnumber = '' where id > 3 and deleted = 0",
)


def read_env_file(path: Path) -> dict[str, str]:
    """The ``export KEY='value'`` lines of a lab's env file."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            values[key] = value
    return values


@dataclass
class Lab:
    """A test Moodle: REST with the importer's token or the admin's, and its database."""

    url: str
    token: str
    admin_token: str = ""
    db_url: str = ""
    parent_role: str = "9"
    ws_user_id: int = 3
    ws_role: int = 10
    folder: str = ""
    _engine: Any = field(default=None, repr=False)
    _policy: bool | None = field(default=None, repr=False)

    @classmethod
    def locate(cls, environ: dict[str, str] | None = None) -> Lab | None:
        """The test Moodle the environment names (see the module docstring), or ``None``."""
        env = dict(os.environ if environ is None else environ)
        if env.get("CPRO_SIECLE_TEST_MOODLE_URL") and env.get("CPRO_SIECLE_TEST_MOODLE_TOKEN"):
            p = "CPRO_SIECLE_TEST_MOODLE_"
            return cls(env[p + "URL"], env[p + "TOKEN"], env.get(p + "ADMIN_TOKEN", ""),
                       env.get(p + "DB_URL", ""), env.get(p + "PARENT_ROLE", "9"),
                       int(env.get(p + "WS_USER_ID", "3")), int(env.get(p + "WS_ROLE", "10")))
        path = Path(env.get("CPRO_SIECLE_TEST_MOODLE_ENV") or DEFAULT_ENV)
        if not path.is_file():
            return None
        v = read_env_file(path)
        return cls(v["CPRO_SIECLE_MOODLE_URL"], v["CPRO_SIECLE_MOODLE_TOKEN"],
                   v.get("CPRO_SIECLE_MOODLE_ADMIN_TOKEN", ""), v.get("CPRO_MOODLE_DB_URL", ""),
                   v.get("CPRO_SIECLE_MOODLE_PARENT_ROLE", "9"),
                   int(v.get("CPRO_SIECLE_MOODLE_WS_USER_ID", "3")),
                   int(v.get("CPRO_SIECLE_MOODLE_WS_ROLE", "10")), v.get("CPRO_MOODLE_DIR", ""))

    # -- REST -----------------------------------------------------------------------------

    def call(self, function: str, *, admin: bool = False, **params: Any) -> Any:
        """One web-service call, with the importer's token or (``admin``) the admin's."""
        token = self.admin_token if admin else self.token
        body = [("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json"),
                *flatten(params)]
        reply = requests.post(self.url.rstrip("/") + "/webservice/rest/server.php", data=body,
                              timeout=60).json()
        if isinstance(reply, dict) and "exception" in reply:
            raise AssertionError(f"{function}: {reply}")
        return reply

    def host_options(self) -> dict[str, Any]:
        """Keyword arguments of a ``MoodleHost`` on this site."""
        return {"parent_role": self.parent_role}

    # -- database -------------------------------------------------------------------------

    @property
    def engine(self) -> sa.Engine:
        if not self.db_url:
            raise AssertionError("no CPRO_SIECLE_TEST_MOODLE_DB_URL: Moodle's database is "
                                 "needed for this check")
        if self._engine is None:
            self._engine = sa.create_engine(self.db_url, pool_size=1)
        return self._engine  # type: ignore[no-any-return]

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of a query on Moodle's own database (tables prefixed ``mdl_``)."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]

    def execute(self, sql: str, **params: Any) -> None:
        """Change Moodle's database (capabilities of the test role...)."""
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    def user(self, user_id: int) -> dict[str, Any]:
        """A ``mdl_user`` row, with ``force_change`` read from ``mdl_user_preferences``."""
        row = self.rows("select * from mdl_user where id = :id", id=user_id)[0]
        prefs = {r["name"]: r["value"] for r in self.rows(
            "select name, value from mdl_user_preferences where userid = :id", id=user_id)}
        row["force_change"] = prefs.get("auth_forcepasswordchange") == "1"
        return row

    def password_ok(self, user_id: int, password: str) -> bool:
        """Whether the stored hash (SHA-512 crypt, Moodle 4.3+) matches ``password``."""
        stored = str(self.rows("select password from mdl_user where id = :id",
                               id=user_id)[0]["password"])
        return crypt.crypt(password, stored) == stored

    def active_users(self, idnumber_prefix: str = "") -> list[dict[str, Any]]:
        """Live (not deleted) accounts other than the lab's own, optionally by idnumber."""
        return self.rows(
            "select id, username, idnumber, email, suspended, firstname, lastname "
            "from mdl_user where deleted = 0 and id > 3 and idnumber like :p order by id",
            p=idnumber_prefix + "%")

    def parent_links(self) -> set[tuple[int, int]]:
        """(guardian, student) pairs holding the parent role in the student's context."""
        return {(r["userid"], r["instanceid"]) for r in self.rows(
            "select ra.userid, ctx.instanceid from mdl_role_assignments ra "
            "join mdl_context ctx on ctx.id = ra.contextid "
            "where ctx.contextlevel = 30 and ra.roleid = :role", role=int(self.parent_role))}

    def cohort_members(self, prefix: str = "") -> dict[str, set[int]]:
        """Cohort idnumber → member user ids, for cohorts whose idnumber starts so."""
        members: dict[str, set[int]] = {}
        for r in self.rows("select c.idnumber, m.userid from mdl_cohort c left join "
                           "mdl_cohort_members m on m.cohortid = c.id "
                           "where c.idnumber like :p", p=prefix + "%"):
            members.setdefault(r["idnumber"], set())
            if r["userid"] is not None:
                members[r["idnumber"]].add(int(r["userid"]))
        return members

    # -- clean-up -------------------------------------------------------------------------

    def clean(self) -> None:
        """Remove every account but the lab's own, and every cohort, with their links.

        With the database at hand, in SQL, as Moodle's ``delete_user()`` leaves the row
        (``deleted = 1``, username, email and idnumber freed): Moodle's own deletion runs at
        about 8 accounts a second, and the snapshot restore (:meth:`reset`) takes 5 s on an
        idle machine but 45 s on a busy one. Without it, through the web services.
        """
        if not self.db_url:
            users = [u["id"] for u in self.call("core_user_get_users", admin=True, criteria=[
                {"key": "auth", "value": "manual"}])["users"] if u["id"] not in LAB_USERS]
            for start in range(0, len(users), 200):
                self.call("core_user_delete_users", admin=True, userids=users[start:start + 200])
            if cohorts := [c["id"] for c in self.call("core_cohort_get_cohorts", admin=True)]:
                self.call("core_cohort_delete_cohorts", admin=True, cohortids=cohorts)
            return
        with self.engine.begin() as conn:
            for sql in _CLEAN_SQL:
                conn.execute(sa.text(sql))

    def reset(self, *, relaxed_passwords: bool = False) -> None:
        """Restore the lab's snapshot (about 5 s); its own lab only."""
        self._script("reset.sh", *(["--relaxed-passwords"] if relaxed_passwords else []))
        self._policy = not relaxed_passwords

    def policy(self, on: bool) -> None:
        """Moodle's password policy on or off (nothing is run when it already is)."""
        if self.db_url:
            self._policy = self.rows("select value from mdl_config where name = "
                                     "'passwordpolicy'")[0]["value"] == "1"
        if self._policy is not on:
            self._script("policy.sh", "on" if on else "off")
            self._policy = on

    def _script(self, name: str, *args: str) -> None:
        if not self.folder:
            raise AssertionError(f"{name} needs the lab folder (CPRO_MOODLE_DIR)")
        subprocess.run(["bash", f"{self.folder}/bin/{name}", *args], check=True,
                       capture_output=True, env={**os.environ, "CPRO_MOODLE_DIR": self.folder})

"""Requests in flight at once: same result as one after the other, phases kept in order."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import responses

from cpro_siecle_plugin.adapters._moodle_rest import MoodleTransport
from cpro_siecle_plugin.adapters.base import NewUser
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.errors import HostUnavailableError
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.adapters.test_moodle_apply import SETTINGS, TODAY, UAJ, _school
from tests.doubles.moodle_fake import FakeMoodle

URL = "https://moodle.concurrency.invalid"
TOKEN = "t0ken-concurrency"


class Site:
    """The fake Moodle behind ``responses``, serialised like a database, timing each call."""

    def __init__(self, pause: float = 0.01) -> None:
        self.fake = FakeMoodle(TOKEN)
        self.pause = pause
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.events: list[tuple[str, float, float]] = []  # function, start, end
        self.down_after: int | None = None  # create requests answered before going down
        self.creates = 0

    def callback(self, request: Any) -> Any:
        function = dict(parse_qsl(request.body))["wsfunction"]
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            down = function == "core_user_create_users" and self.down_after is not None \
                and self.creates >= self.down_after
            self.creates += function == "core_user_create_users"
        start = time.perf_counter()
        time.sleep(self.pause)  # the site's work: lets the other threads send theirs
        try:
            if down:
                raise requests.ConnectionError("site down (simulated)")
            with self.lock:
                return self.fake.callback(request)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.events.append((function, start, time.perf_counter()))


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, URL + "/webservice/rest/server.php",
                          callback=site.callback)
        yield site


def _host(concurrency: int, batch_size: int = 2) -> MoodleHost:
    return MoodleHost(URL, TOKEN, batch_size=batch_size, parent_role="9", concurrency=concurrency,
                      sleep=lambda s: None)


def _users(n: int) -> list[NewUser]:
    return [NewUser(f"cpro:t:{i}", f"user{i}", "Pass-w0rd!", f"P{i}", "NOM",
                    f"user{i}@example.org") for i in range(n)]


def test_batches_of_one_call_are_sent_concurrency_at_a_time(site: Site) -> None:
    """20 users in batches of 2 with 4 in flight: 10 requests, up to 4 at once, each user once."""
    result = _host(4).create_users(_users(20))
    assert len(result.ok) == 20 and not result.failed
    assert site.most_in_flight == 4
    assert Counter(f for f, _, _ in site.events)["core_user_create_users"] == 10
    assert len({u["idnumber"] for u in site.fake.users.values()}) == 21  # with admin


def test_concurrency_one_sends_one_request_at_a_time(site: Site) -> None:
    """The setting at 1 keeps the old behaviour."""
    _host(1).create_users(_users(8))
    assert site.most_in_flight == 1


def test_concurrent_import_equals_sequential_and_keeps_phases_in_order(site: Site) -> None:
    """Cohorts, then accounts, then memberships, then links: no phase starts early."""
    ledger = Ledger("sqlite://")
    plan = compute_plan(_school(12), ledger.load_state(UAJ), TODAY, SETTINGS)
    outcome = apply_plan(plan, _host(4), ledger.journal(ledger.save_plan(plan, "t")))
    assert outcome.ok and site.most_in_flight > 1
    phases = ["core_cohort_create_cohorts", "core_user_create_users",
              "core_cohort_add_cohort_members", "core_role_assign_roles"]
    spans = {f: (min(s for g, s, _ in site.events if g == f),
                 max(e for g, _, e in site.events if g == f)) for f in phases}
    for before, after in zip(phases, phases[1:], strict=False):
        assert spans[before][1] <= spans[after][0], (before, after)
    users = [u for u in site.fake.users.values() if u["idnumber"]]
    assert len(users) == len({u["idnumber"] for u in users}) == 1 + 12 + 6
    assert len(site.fake.assignments) == 12
    assert len(site.fake.members) == sum(1 for a in plan.actions if a.kind == "add_member")
    ledger.close()


def test_site_down_mid_way_with_requests_in_flight_then_resume_has_no_duplicate(
    site: Site,
) -> None:
    """An outage while creates are in flight stops the run; the resumed run adopts them."""
    ledger = Ledger("sqlite://")
    plan = compute_plan(_school(12), ledger.load_state(UAJ), TODAY, SETTINGS)
    plan_id = ledger.save_plan(plan, "t")
    site.down_after = 3
    first = apply_plan(plan, _host(4), ledger.journal(plan_id))
    assert not first.complete and "Moodle" in (first.error or "")
    site.down_after = None
    resumed = apply_plan(plan, _host(4), ledger.journal(plan_id))
    assert resumed.ok
    idnumbers = Counter(u["idnumber"] for u in site.fake.users.values() if u["idnumber"])
    assert len(idnumbers) == 1 + 12 + 6 and max(idnumbers.values()) == 1
    ledger.close()


def test_a_failed_task_raises_a_host_error_after_the_others_end() -> None:
    """run(): the first failure, in item order, once the tasks in flight have ended."""
    transport = MoodleTransport(URL, TOKEN, concurrency=3)
    ended: list[int] = []

    def task(i: int) -> int:
        if i == 1:
            raise HostUnavailableError(f"panne {i}")
        time.sleep(0.02)
        ended.append(i)
        return i

    with pytest.raises(HostUnavailableError, match="panne 1"):
        transport.run(task, [0, 1, 2, 3, 4, 5])
    assert {0, 2} <= set(ended)  # in flight when task 1 failed: they were let finish
    assert transport.run(lambda i: i * 2, [1, 2, 3]) == [2, 4, 6]  # results in item order
    transport.close()


def test_each_thread_has_its_own_session_and_nested_calls_stay_in_their_thread() -> None:
    """One requests.Session per worker thread; a task's own run() does not use the pool."""
    transport = MoodleTransport(URL, TOKEN, concurrency=4)
    barrier = threading.Barrier(4)

    def task(_: int) -> tuple[int, int, list[int]]:
        barrier.wait(timeout=5)  # the four tasks hold four different threads
        inner = transport.run(lambda _: threading.get_ident(), [0, 1, 2])
        return threading.get_ident(), id(transport.session), inner

    replies = transport.run(task, [0, 1, 2, 3])
    assert len({thread for thread, _, _ in replies}) == 4
    assert len({session for _, session, _ in replies}) == 4
    assert all(set(inner) == {thread} for thread, _, inner in replies)
    assert id(transport.session) not in {session for _, session, _ in replies}
    transport.close()

"""Batch sizes per web-service function: measured sizes, always within max_input_vars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses

from cpro_siecle_plugin.adapters._batching import (
    BATCH_SIZES,
    FIELDS_PER_RECORD,
    MAX_INPUT_VARS,
    batch_size_for,
)
from cpro_siecle_plugin.adapters.base import NewCohort, NewUser
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from tests.doubles.moodle_fake import FakeMoodle

URL = "https://moodle.sizes.invalid"
TOKEN = "t0ken-sizes"


class Recorder:
    """The fake Moodle, with the number of form fields of every request."""

    def __init__(self) -> None:
        self.fake = FakeMoodle(TOKEN)
        self.fake.max_input_vars = MAX_INPUT_VARS  # Moodle's installer requires it
        self.fields: list[tuple[str, int]] = []

    def callback(self, request: Any) -> Any:
        body = parse_qsl(request.body, keep_blank_values=True)
        self.fields.append((dict(body)["wsfunction"], len(body)))
        return self.fake.callback(request)

    def of(self, function: str) -> list[int]:
        return [n for f, n in self.fields if f == function]


@pytest.fixture
def site() -> Iterator[Recorder]:
    recorder = Recorder()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, URL + "/webservice/rest/server.php",
                          callback=recorder.callback)
        yield recorder


def _users(n: int, start: int = 0) -> list[NewUser]:
    return [NewUser(f"cpro:s:{i}", f"u{i}", "Pass-w0rd!", "P", "N", f"u{i}@example.org")
            for i in range(start, start + n)]


def _host(**options: Any) -> MoodleHost:
    return MoodleHost(URL, TOKEN, parent_role="9", sleep=lambda s: None, **options)


@pytest.mark.parametrize("function", sorted(FIELDS_PER_RECORD))
def test_every_default_batch_fits_max_input_vars(function: str) -> None:
    """Size × fields per record, plus the protocol's fields, stays within the site's limit."""
    size = batch_size_for(function)
    assert size == BATCH_SIZES[function]
    assert size * FIELDS_PER_RECORD[function] + 8 <= MAX_INPUT_VARS


def test_costly_creates_are_sent_in_smaller_batches_than_cheap_calls() -> None:
    """A create costs Moodle far more per record than a membership, a link or a look-up."""
    create = batch_size_for("core_user_create_users")
    for cheap in ("core_cohort_add_cohort_members", "core_role_assign_roles",
                  "core_user_get_users_by_field"):
        assert batch_size_for(cheap) >= 4 * create


def test_a_set_batch_size_applies_to_every_function_within_the_limit() -> None:
    """CPRO_SIECLE_BATCH_SIZE caps every function; a cap past max_input_vars is lowered."""
    assert {batch_size_for(f, 7) for f in FIELDS_PER_RECORD} == {7}
    assert batch_size_for("core_user_create_users", 5000) == (MAX_INPUT_VARS - 8) // 9
    assert batch_size_for("core_user_create_users", 0, max_input_vars=1000) == 100
    assert batch_size_for("core_role_assign_roles", 0, max_input_vars=1000) == 248


SENDERS: dict[str, Callable[[MoodleHost, int], object]] = {
    "core_user_create_users": lambda h, n: h.create_users(_users(n, 1000 * n)),
    "core_user_get_users_by_field": lambda h, n: h.find_users(
        "idnumber", [f"cpro:x:{i}" for i in range(n)]),
    "core_cohort_add_cohort_members": lambda h, n: h.add_cohort_members(
        [(1, 100 + i) for i in range(n)]),
    "core_cohort_delete_cohort_members": lambda h, n: h.remove_cohort_members(
        [(1, 100 + i) for i in range(n)]),
    "core_role_assign_roles": lambda h, n: h.link_guardians([(100 + i, 200 + i)
                                                             for i in range(n)]),
    "core_role_unassign_roles": lambda h, n: h.unlink_guardians([(100 + i, 200 + i)
                                                                 for i in range(n)]),
    "core_user_update_users": lambda h, n: h.set_suspended(list(range(100, 100 + n)), True),
    "core_cohort_create_cohorts": lambda h, n: h.create_cohorts(
        [NewCohort(f"c{n}:{i}", f"C {i}") for i in range(n)]),
}


@pytest.mark.parametrize("function", sorted(SENDERS))
def test_fields_per_record_are_counted_from_the_real_payload(site: Recorder,
                                                             function: str) -> None:
    """One more record adds exactly FIELDS_PER_RECORD fields to the request."""
    host = _host(batch_size=10)
    sizes = []
    for n in (1, 2):  # the first request of each call (a refused one is then bisected)
        sent = len(site.of(function))
        SENDERS[function](host, n)
        sizes.append(site.of(function)[sent])
    one, two = sizes
    assert two - one == FIELDS_PER_RECORD[function]
    assert one - FIELDS_PER_RECORD[function] <= 8  # what the protocol adds


def test_large_calls_go_in_few_whole_requests(site: Recorder) -> None:
    """1,200 memberships: 3 requests of at most 500, none cut by max_input_vars."""
    host = _host()
    users = host.create_users(_users(250))
    assert len(users.ok) == 250 and len(site.of("core_user_create_users")) == 3
    cohort = host.create_cohorts([NewCohort("c", "C")]).ok["c"]
    ids = sorted(users.ok.values())
    pairs = [(cohort, u) for u in ids]  # 250 real members...
    pairs += [(cohort, 10_000 + i) for i in range(950)]  # ...and 950 unknown users
    result = host.add_cohort_members(pairs)
    assert len(site.of("core_cohort_add_cohort_members")) == 3
    assert len(result.ok) == 250 and len(result.failed) == 950
    assert max(site.of("core_cohort_add_cohort_members")) <= MAX_INPUT_VARS

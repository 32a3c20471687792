"""Fixtures of the adapter tests: one harness per host, for the contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from sqlalchemy import select
from werkzeug.security import check_password_hash

from cpro_siecle_plugin.adapters.base import HostAdapter, NewUser
from cpro_siecle_plugin.adapters.embedded import EmbeddedHost, _User
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.errors import HostUnavailableError
from tests.doubles.memory_host import MemoryHost
from tests.doubles.moodle_fake import FakeMoodle
from tests.lab import Lab


class Harness(Protocol):
    """What the contract suite needs beyond the interface: inspect and break the host."""

    host: HostAdapter

    def record(self, user_id: int) -> dict[str, Any]: ...

    def guardians_of(self, student_id: int) -> set[int]: ...

    def lose_next_create_reply(self) -> None: ...


class MemoryHarness:
    def __init__(self) -> None:
        self.host = MemoryHost(batch_size=10)

    def record(self, user_id: int) -> dict[str, Any]:
        u = self.host.users[user_id]
        return {"username": u.username, "firstname": u.firstname, "lastname": u.lastname,
                "email": u.email, "suspended": u.suspended, "force_change": u.force_change,
                "password_ok": lambda p, u=u: u.password == p}

    def guardians_of(self, student_id: int) -> set[int]:
        return {g for g, s in self.host.guardian_links if s == student_id}

    def lose_next_create_reply(self) -> None:
        self.host.lose_reply("create_users")


class EmbeddedHarness:
    def __init__(self, tmp_path: Path) -> None:
        self.host = EmbeddedHost(f"sqlite:///{tmp_path / 'host.sqlite3'}", batch_size=10,
                                 initial_hash="pbkdf2:sha256:1")

    def record(self, user_id: int) -> dict[str, Any]:
        u = next(u for u in self.host.list_users() if u.id == user_id)
        return {"username": u.username, "firstname": u.firstname, "lastname": u.lastname,
                "email": u.email, "suspended": u.suspended,
                "force_change": self.host.must_change_password(u.username),
                "password_ok": lambda p: self._password_ok(u.username, p)}

    def _password_ok(self, username: str, password: str) -> bool:
        with self.host._session() as s:  # bypass the suspended check of verify_password
            user = s.scalar(select(_User).where(_User.username == username))
            return check_password_hash(user.password_hash, password)

    def guardians_of(self, student_id: int) -> set[int]:
        return self.host.guardians_of(student_id)

    def lose_next_create_reply(self) -> None:
        original = self.host._create_call

        def lossy(batch: Any) -> Any:
            original(batch)
            self.host._create_call = original  # type: ignore[method-assign]
            raise HostUnavailableError("délai dépassé (simulé)")

        self.host._create_call = lossy  # type: ignore[method-assign]

    def close(self) -> None:
        self.host.close()


MOODLE_URL = "https://moodle.example.org"
WRITE_FUNCTIONS = {"core_user_create_users", "core_user_update_users", "core_user_delete_users",
                   "core_cohort_create_cohorts", "core_cohort_add_cohort_members",
                   "core_cohort_delete_cohort_members", "core_role_assign_roles",
                   "core_role_unassign_roles"}
TOKEN = "s3cr3t-t0ken"


class MoodleHarness:
    """A MoodleHost talking, through ``responses``, to a stateful fake Moodle."""

    def __init__(self, tmp_path: Path | None = None, **options: Any) -> None:
        self.fake = FakeMoodle(TOKEN)
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.faults: list[tuple[str, Any, bool]] = []
        self.down_after: int | None = None  # write requests before the site goes down
        self.writes = 0
        self.mock.add_callback(responses.POST, MOODLE_URL + "/webservice/rest/server.php",
                               callback=self._callback)
        options = {"batch_size": 10, "parent_role": "9", "sleep": lambda s: None, **options}
        self.host = MoodleHost(MOODLE_URL, TOKEN, **options)

    def fail_next(self, function: str, fault: Any, *, applied: bool = False,
                  times: int = 1) -> None:
        """Answer the next call(s) of ``function`` with ``fault`` (an exception to raise or
        an HTTP status), after running it on the fake when ``applied``."""
        self.faults += [(function, fault, applied)] * times

    def _callback(self, request: Any) -> Any:
        function = dict(parse_qsl(request.body))["wsfunction"]
        if function in WRITE_FUNCTIONS:
            if self.down_after is not None and self.writes >= self.down_after:
                raise requests.ConnectionError("site down (simulated)")
            self.writes += 1
        fault = next((f for f in self.faults if f[0] == function), None)
        if fault is None:
            return self.fake.callback(request)
        self.faults.remove(fault)
        if fault[2]:
            self.fake.callback(request)
        if isinstance(fault[1], int):
            return fault[1], {}, "erreur serveur"
        raise fault[1]

    def record(self, user_id: int) -> dict[str, Any]:
        u = self.fake.users[user_id]
        email = "" if u["email"].endswith("@noemail.invalid") else u["email"]
        return {"username": u["username"], "firstname": u["firstname"],
                "lastname": u["lastname"], "email": email, "suspended": bool(u["suspended"]),
                "force_change": u["preferences"].get("auth_forcepasswordchange") == "1",
                "password_ok": lambda p: u["password"] == p}

    def guardians_of(self, student_id: int) -> set[int]:
        return {g for _, g, s in self.fake.assignments if s == student_id}

    def lose_next_create_reply(self) -> None:
        self.fail_next("core_user_create_users", requests.exceptions.ReadTimeout("simulated"),
                       applied=True)

    def close(self) -> None:
        self.mock.stop()
        self.mock.reset()


class LabHarness:
    """A MoodleHost on the live test Moodle (the lab), inspected in Moodle's own database."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.host = MoodleHost(lab.url, lab.token, batch_size=10, **lab.host_options())
        self._lose_create = False
        post = self.host.rest.session.post

        def lossy_post(url: str, **kwargs: Any) -> Any:
            reply = post(url, **kwargs)
            if self._lose_create and ("wsfunction", "core_user_create_users") in kwargs["data"]:
                self._lose_create = False
                raise requests.exceptions.ReadTimeout("reply lost (simulated)")
            return reply

        self.host.rest.session.post = lossy_post  # type: ignore[method-assign]

    def record(self, user_id: int) -> dict[str, Any]:
        u = self.lab.user(user_id)
        email = "" if u["email"].endswith("@noemail.invalid") else u["email"]
        return {"username": u["username"], "firstname": u["firstname"],
                "lastname": u["lastname"], "email": email, "suspended": bool(u["suspended"]),
                "force_change": u["force_change"],
                "password_ok": lambda p: self.lab.password_ok(user_id, p)}

    def guardians_of(self, student_id: int) -> set[int]:
        return {g for g, s in self.lab.parent_links() if s == student_id}

    def lose_next_create_reply(self) -> None:
        self._lose_create = True


def _lab_harness(request: pytest.FixtureRequest) -> LabHarness:
    return LabHarness(request.getfixturevalue("moodle_lab"))


HARNESSES: dict[str, Any] = {
    "memory": lambda tmp_path: MemoryHarness(),
    "embedded": EmbeddedHarness,
    "moodle": MoodleHarness,
}
#: The real Moodle (the lab), a third backend of the contract (one test at a time on the
#: site: see tests/lab/plugin.py).
LAB = pytest.param("lab", marks=pytest.mark.moodle_lab)


@pytest.fixture
def moodle() -> Iterator[MoodleHarness]:
    """A MoodleHost on a fresh fake Moodle (batch size 10, parent role id 9)."""
    made = MoodleHarness()
    yield made
    made.close()


@pytest.fixture(params=[*sorted(HARNESSES), LAB])
def harness(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Harness]:
    """Every host implementation, behind the same harness (the real Moodle last)."""
    made = (_lab_harness(request) if request.param == "lab"
            else HARNESSES[request.param](tmp_path))
    yield made
    getattr(made, "close", lambda: None)()


def new_user(n: int, **over: Any) -> NewUser:
    """A valid account to create, numbered ``n``."""
    values: dict[str, Any] = {"idnumber": f"cpro:0001:eleve:{n}", "username": f"eleve.{n}",
                              "password": "12052008", "firstname": f"Prénom{n}",
                              "lastname": f"Nom{n}", "email": None}
    values.update(over)
    return NewUser(**values)


@pytest.fixture
def make_user() -> Any:
    """Factory of valid accounts to create: ``make_user(n, **overrides)``."""
    return new_user

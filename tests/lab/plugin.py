"""Pytest plugin of the live-Moodle tests: the ``moodle_lab`` fixture, marker, summary.

A test that uses the ``moodle_lab`` fixture (directly or through another fixture) is marked
``moodle_lab`` (``pytest -m moodle_lab`` runs them alone). Lab tests never run two at once
against one site: the fixture holds an exclusive lock on the site (a file under the system's
temporary folder, named after the site's URL) for the whole test, across xdist workers and
across test runs of several work trees. (xdist's ``--dist loadgroup`` would do for one run,
but does not group anything under pytest 9.) The terminal summary says how many tests ran
against the real site.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from . import HOW_TO, Lab

MARK = "moodle_lab"
_outcomes: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARK}: runs against the live test Moodle (the lab)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MARK in getattr(item, "fixturenames", ()) and not item.get_closest_marker(MARK):
            item.add_marker(pytest.mark.moodle_lab)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if MARK not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _outcomes:
        return
    ran = _outcomes["passed"] + _outcomes["failed"]
    terminalreporter.write_line(
        f"Moodle lab: {ran} test(s) ran against the real Moodle site ({_outcomes['passed']} "
        f"passed, {_outcomes['failed']} failed), {_outcomes['skipped']} skipped.")


@pytest.fixture(scope="session")
def moodle_lab_site() -> Iterator[Lab]:
    """The located test Moodle, once per session (see :mod:`tests.lab`)."""
    lab = Lab.locate()
    if lab is None:
        if os.environ.get("CPRO_SIECLE_TEST_MOODLE_REQUIRED") == "1":
            pytest.fail(f"CPRO_SIECLE_TEST_MOODLE_REQUIRED=1 but {HOW_TO}")
        pytest.skip(HOW_TO)
    yield lab
    if lab._engine is not None:
        lab._engine.dispose()


@pytest.fixture
def moodle_lab(moodle_lab_site: Lab) -> Iterator[Lab]:
    """The test Moodle, for this test alone (locked), cleaned (only its own three accounts,
    no cohort), password policy off (birth-date passwords accepted): a test that needs it on
    turns it on."""
    name = hashlib.sha256(moodle_lab_site.url.encode()).hexdigest()[:16]
    with open(os.path.join(tempfile.gettempdir(), f"cpro-siecle-lab-{name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        moodle_lab_site.clean()
        moodle_lab_site.policy(False)
        yield moodle_lab_site

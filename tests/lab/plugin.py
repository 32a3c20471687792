"""Pytest plugin of the live-Moodle tests: the ``moodle_lab`` fixture, grouping, summary.

A test that uses the ``moodle_lab`` fixture (directly or through another fixture) is marked
``moodle_lab`` and put in the ``xdist_group`` of that name: with ``--dist loadgroup`` (as
``make test`` runs) every lab test runs on one worker, one after the other, never two at
once against one site. The terminal summary says how many ran against the real site.
"""

from __future__ import annotations

import os
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
            item.add_marker(pytest.mark.xdist_group(MARK))


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
def moodle_lab(moodle_lab_site: Lab) -> Lab:
    """The test Moodle, cleaned (only its own three accounts, no cohort), password policy
    off (birth-date passwords accepted): a test that needs it on turns it on."""
    moodle_lab_site.clean()
    moodle_lab_site.policy(False)
    return moodle_lab_site

"""Fixtures of the scenarios on the live Moodle: a service on the lab, files to import."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.runner.apply import ApplyOutcome
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from tests.lab import Lab

TODAY = date(2025, 9, 15)
WRITE_FUNCTIONS = frozenset({
    "core_user_create_users", "core_user_update_users", "core_user_delete_users",
    "core_cohort_create_cohorts", "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members", "core_role_assign_roles", "core_role_unassign_roles"})


class LabSchool:
    """The importer (service, ledger, Moodle adapter) on the lab, for one test."""

    def __init__(self, lab: Lab, tmp_path: Path, today: date = TODAY) -> None:
        self.lab = lab
        self.settings = Settings(
            host="moodle", moodle_url=lab.url, moodle_token=lab.token,
            moodle_parent_role=lab.parent_role, secret="lab-secret", batch_size=50,
            database_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
        self.ledger = Ledger(self.settings.database_url)
        self.today = today
        self.host = self.new_host()
        self.service = SiecleService(self.settings, self.ledger, self.host, today=today)

    def new_host(self) -> MoodleHost:
        """A fresh adapter on the lab (no cached site info nor probe)."""
        return MoodleHost(self.lab.url, self.lab.token, batch_size=50,
                          parent_role=self.lab.parent_role)

    def preview(self, files: Sequence[Path]) -> Any:
        return self.service.preview([InputFile(p, p.name) for p in files], "test")

    def run(self, files: Sequence[Path], today: date | None = None) -> ApplyOutcome:
        """Preview and apply (past the brake) the files, as the admin does."""
        if today is not None:
            self.service._today = today
        preview = self.preview(files)
        return self.service.apply(preview.plan_id, preview.checksum, "test", force=True)

    def writes(self) -> int:
        """Requests made so far to write functions."""
        return sum(n for f, n in self.host.ws_calls.items() if f in WRITE_FUNCTIONS)

    def close(self) -> None:
        self.ledger.close()


@pytest.fixture
def school(moodle_lab: Lab, tmp_path: Path) -> Iterator[LabSchool]:
    """The importer on a clean lab (password policy off), with a fresh ledger."""
    made = LabSchool(moodle_lab, tmp_path)
    yield made
    made.close()


@pytest.fixture
def sample_files(samples: Path) -> list[Path]:
    """The shared sample school's three exports."""
    return [samples / "sts_emp_0691234X_2025.xml", samples / "ElevesSansAdresses.xml",
            samples / "ResponsablesAvecAdresses.xml"]

"""Requests in flight at once on the live Moodle: the site ends exactly as one at a time."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cpro_siecle_plugin.adapters.moodle import MoodleHost
from tests.lab.conftest import LabSchool
from tests.lab.test_lab_scenarios import _generated, expected, site


def test_concurrent_first_import_then_resume_leaves_moodle_exactly_right(
    school: LabSchool, tmp_path: Path,
) -> None:
    """4 requests in flight over small batches: every account, membership and link once."""
    school.host = school.service.host = MoodleHost(
        school.lab.url, school.lab.token, batch_size=5, parent_role=school.lab.parent_role,
        concurrency=4)
    files = _generated(tmp_path, "school")
    preview = school.preview(files)
    outcome = school.service.apply(preview.plan_id, preview.checksum, "test", force=True)
    assert outcome.ok, outcome.failed
    assert school.host.ws_calls["core_user_create_users"] >= 4  # several batches, in parallel
    want, got = expected([preview.plan]), site(school.lab, "0690001A")
    assert set(got["users"]) == set(want["users"])
    assert got["cohorts"] == want["cohorts"]
    assert got["members"] == want["members"] and got["links"] == want["links"]
    idnumbers = Counter(r["idnumber"] for r in school.lab.rows(
        "select idnumber from mdl_user where deleted = 0 and idnumber like 'cpro:%'"))
    assert max(idnumbers.values()) == 1

"""Over generated import sequences, the ledger and the host stay in step after apply."""

from __future__ import annotations

from datetime import date, timedelta

import sync_factories as f
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cpro_siecle_plugin.domain import Snapshot
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.sync.state import host_idnumber
from tests.doubles.memory_host import MemoryHost

STRUCTURES = (f.division("2A"), f.division("2B"), f.group("G1", "2A", "2B"))
FIRST = st.sampled_from(["Léa", "Jean", "Marie-Ève", "Zoé"])
LAST = st.sampled_from(["MARTIN", "N'DIAYE", "LE GOFF", "DURAND"])


@st.composite
def schools(draw: st.DrawFn) -> Snapshot:
    """Any subset of the three files, with homonyms, classes, groups and guardians."""
    ids = draw(st.lists(st.integers(1, 12), unique=True, max_size=10))
    # An INE shared by several ELEVE_IDs: a pupil known under another ELEVE_ID.
    kids = [f.student(str(i), draw(FIRST), draw(LAST), draw(st.sampled_from(("2A", "2B", None))),
                      *draw(st.lists(st.just("G1"), max_size=1)),
                      left=draw(st.sampled_from((None, date(2025, 9, 1)))),
                      ine=draw(st.sampled_from((f"INE{i}", "I1", "I2"))))
            for i in ids]
    teachers = [f.staff(str(i), draw(FIRST), draw(LAST),
                        *draw(st.lists(st.sampled_from(("2A", "2B", "G1")), unique=True)))
                for i in draw(st.lists(st.integers(1, 4), unique=True, max_size=3))]
    pids = draw(st.lists(st.integers(1, 6), unique=True, max_size=5))
    links = [f.link(str(i), str(draw(st.sampled_from(pids)))) for i in ids if pids]
    given_files = draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    return f.snapshot(
        staff=teachers if given_files[0] else None, structures=STRUCTURES,
        students=kids if given_files[1] else None,
        guardians=[f.guardian(str(p), draw(FIRST)) for p in pids] if given_files[2] else None,
        links=links,
    )


def _import(ledger: Ledger, host: MemoryHost, snap: Snapshot, today: date) -> None:
    plan = compute_plan(snap, ledger.load_state(f.UAJ), today, f.SETTINGS)
    plan_id = ledger.save_plan(plan, "prop")
    assert apply_plan(plan, host, ledger.journal(plan_id), batch_size=3).ok


#: Seen failing before returners after the retention period were recreated in one import:
#: a pupil gone 417 days then back had the old account deleted and no new one.
BACK_AFTER_RETENTION = [f.snapshot(students=[f.student("1"), f.student("2", "Zoé", "BLANC")]),
                        f.snapshot(students=[f.student("2", "Zoé", "BLANC")]),
                        f.snapshot(students=[f.student("1"), f.student("2", "Zoé", "BLANC")])]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(imports=st.lists(schools(), min_size=1, max_size=3), days=st.integers(0, 500))
@example(imports=BACK_AFTER_RETENTION, days=417)
def test_ledger_and_host_agree_after_any_import_sequence(
    imports: list[Snapshot], days: int
) -> None:
    """Accounts, suspension, memberships and links match; re-planning the last is empty."""
    ledger, host = Ledger("sqlite://"), MemoryHost(batch_size=3)
    today = f.TODAY
    for snap in imports:
        _import(ledger, host, snap, today)
        today += timedelta(days=days)
    today -= timedelta(days=days)
    state = ledger.load_state(f.UAJ)
    assert compute_plan(imports[-1], state, today, f.SETTINGS).actions == ()
    on_host = {u.idnumber: u for u in host.users.values()}
    assert set(on_host) == {host_idnumber(k) for k in state.people}
    for key, person in state.people.items():
        user = on_host[host_idnumber(key)]
        assert (user.id, user.username, user.suspended) == (
            person.host_id, person.username, person.suspended)
    cohort_of = {c.host_id: k for k, c in state.cohorts.items()}
    person_of = {p.host_id: k for k, p in state.people.items()}
    members = {(cohort_of[c], person_of[u]) for c, u in host.memberships}
    assert members == {(c, k) for k, p in state.people.items() for c in p.cohorts}
    assert {(person_of[g], person_of[s]) for g, s in host.guardian_links} == state.links
    ledger.close()

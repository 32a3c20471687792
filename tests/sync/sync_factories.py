"""Small factories of domain records and snapshots for the planner's tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import (
    Discipline,
    ElevesExport,
    Guardian,
    GuardianLink,
    ResponsablesExport,
    School,
    Service,
    Snapshot,
    Staff,
    StaffRole,
    Structure,
    StsExport,
    Student,
)
from cpro_siecle_plugin.sync.fold import apply_to_state
from cpro_siecle_plugin.sync.plan import Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.sync.state import LedgerState, Population, person_key

UAJ = "0691234X"
TODAY = date(2025, 9, 15)
SETTINGS = Settings(secret="test-secret")


def division(code: str, label: str | None = None) -> Structure:
    """A division of STS."""
    return Structure(code, label or f"Division {code}", is_group=False)


def group(code: str, *divisions: str) -> Structure:
    """A group of STS spanning ``divisions``."""
    return Structure(code, f"Groupe {code}", is_group=True, divisions=divisions)


def staff(
    sts_id: str,
    first: str = "Anne",
    last: str = "MARTIN",
    *classes: str,
    role: StaffRole = StaffRole.TEACHER,
    born: date | None = date(1980, 3, 7),
) -> Staff:
    """A staff member teaching mathematics in ``classes``."""
    return Staff(
        sts_id=sts_id,
        civility=None,
        last_name=last,
        birth_name=None,
        first_name=first,
        birth_date=born,
        function={StaffRole.TEACHER: "ENS", StaffRole.HEAD: "DIR"}.get(role),
        role=role,
        disciplines=(Discipline("L1300", "MATHEMATIQUES"),),
        services=tuple(Service(c, "061300", "MATHS") for c in classes),
    )


def student(
    eleve_id: str,
    first: str = "Léa",
    last: str = "DURAND",
    division: str | None = "2A",
    *groups: str,
    born: date | None = date(2010, 10, 6),
    ine: str | None = None,
    left: date | None = None,
) -> Student:
    """A student of ``division`` and ``groups``."""
    return Student(
        eleve_id=eleve_id,
        elenoet=None,
        ine=ine if ine is not None else f"INE{eleve_id}",
        last_name=last,
        usage_name=None,
        first_name=first,
        birth_date=born,
        sex=None,
        entry_date=None,
        leaving_date=left,
        mef=None,
        division=division,
        groups=groups,
    )


def guardian(personne_id: str, first: str = "Paul", last: str = "DURAND") -> Guardian:
    """A person of the Responsables file."""
    return Guardian(personne_id, None, last, None, first, email=f"p{personne_id}@exemple.fr")


def link(eleve_id: str, personne_id: str, legal: int = 1) -> GuardianLink:
    """A student–person link; ``legal`` is RESP_LEGAL (0 for a mere contact)."""
    return GuardianLink(eleve_id, personne_id, resp_legal=legal, niveau=None, relationship=None)


def snapshot(
    *,
    staff: Iterable[Staff] | None = None,
    structures: Iterable[Structure] = (),
    students: Iterable[Student] | None = None,
    guardians: Iterable[Guardian] | None = None,
    links: Iterable[GuardianLink] = (),
    year: int = 2025,
) -> Snapshot:
    """A snapshot holding the files whose records are given (``None``: file absent)."""
    school = School(UAJ, year)
    sts = eleves = resp = None
    if staff is not None:
        sts = StsExport(school, tuple(structures), tuple(staff), (), f"sts_emp_{UAJ}_{year}.xml")
    if students is not None:
        eleves = ElevesExport(school, tuple(students), "ElevesSansAdresses.xml")
    if guardians is not None:
        resp = ResponsablesExport(
            school, tuple(guardians), tuple(links), "ResponsablesAvecAdresses.xml"
        )
    return Snapshot(UAJ, year, sts, eleves, resp, sts.structures if sts else ())


def plan_and_apply(
    snap: Snapshot,
    state: LedgerState | None = None,
    today: date = TODAY,
    settings: Settings = SETTINGS,
) -> tuple[Plan, LedgerState]:
    """Plan ``snap`` against ``state`` and fold the plan in, as a full apply would."""
    state = state if state is not None else LedgerState.empty(UAJ)
    plan = compute_plan(snap, state, today, settings)
    return plan, apply_to_state(plan, state, today)


def skey(eleve_id: str) -> str:
    """Person key of a student."""
    return person_key(UAJ, Population.STUDENT, eleve_id)


def tkey(sts_id: str) -> str:
    """Person key of a staff member."""
    return person_key(UAJ, Population.TEACHER, sts_id)


def gkey(personne_id: str) -> str:
    """Person key of a guardian."""
    return person_key(UAJ, Population.GUARDIAN, personne_id)


def kinds(plan: Plan) -> list[str]:
    """Kinds of the plan's actions, in order."""
    return [a.kind for a in plan.actions]

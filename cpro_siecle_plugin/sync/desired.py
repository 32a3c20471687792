"""What the files of one import want: active people, their cohorts, guardian links.

Pure: the planner diffs this against the ledger's ``LedgerState``. Only the populations
whose file is in the snapshot are described; the others are left to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from ..config import Settings
from ..domain import ElevesExport, ResponsablesExport, Snapshot, Staff, StaffRole, Student
from .retention import is_expired
from .state import KnownPerson, LedgerState, Population, cohort_key, person_key

STAFF_POPULATIONS = frozenset({Population.TEACHER, Population.HEAD, Population.STAFF})
_ROLE_POPULATION = {
    StaffRole.TEACHER: Population.TEACHER,
    StaffRole.HEAD: Population.HEAD,
    StaffRole.OTHER: Population.STAFF,
}


@dataclass(frozen=True)
class Wanted:
    """A person the files want with an active account, and what the report shows."""

    key: str
    population: Population
    firstname: str
    lastname: str
    birth_date: date | None = None
    email: str | None = None
    national_id: str | None = None
    eleve_id: str | None = None  # students: the ELEVE_ID of the file
    cohorts: frozenset[str] = frozenset()
    division: str | None = None
    groups: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    students: tuple[str, ...] = ()


@dataclass(frozen=True)
class Desired:
    """The files' view of one school, for the populations they feed."""

    populations: frozenset[Population]
    people: Mapping[str, Wanted]
    absent_reasons: Mapping[str, str] = field(default_factory=dict)  # key → why not wanted
    links: frozenset[tuple[str, str]] | None = None  # None: Responsables not imported
    warnings: tuple[str, ...] = ()


def planned_populations(snapshot: Snapshot, settings: Settings) -> frozenset[Population]:
    """Populations whose file is in the snapshot (other staff only if enabled)."""
    out: set[Population] = set()
    if snapshot.sts is not None:
        # Other staff are created only with CREATE_OTHER_STAFF, but those the ledger knows
        # (a teacher now documentalist, say) follow STS like everyone else.
        out |= {Population.TEACHER, Population.HEAD, Population.STAFF}
    if snapshot.eleves is not None:
        out.add(Population.STUDENT)
    if snapshot.responsables is not None:
        out.add(Population.GUARDIAN)
    return frozenset(out)


def _staff_wanted(uaj: str, person: Staff, population: Population) -> Wanted:
    teaches = population is Population.TEACHER
    return Wanted(
        key=person_key(uaj, population, person.sts_id),
        population=population,
        firstname=person.first_name,
        lastname=person.last_name,
        birth_date=person.birth_date,
        cohorts=frozenset(cohort_key(uaj, c, teachers=True) for c in person.structures)
        if teaches
        else frozenset(),
        disciplines=tuple(d.label for d in person.disciplines),
        classes=person.structures if teaches else (),
    )


def _staff(snapshot: Snapshot, state: LedgerState, settings: Settings) -> dict[str, Wanted]:
    """Staff with an account: teachers, heads; other staff when enabled or already known
    (a known person whose function changed keeps their account)."""
    if snapshot.sts is None:
        return {}
    out: dict[str, Wanted] = {}
    for person in sorted(snapshot.sts.staff, key=lambda s: s.sts_id):
        population = _ROLE_POPULATION[person.role]
        known = person_key(snapshot.uaj, population, person.sts_id) in state.people
        if population is Population.STAFF and not (settings.create_other_staff or known):
            continue
        wanted = _staff_wanted(snapshot.uaj, person, population)
        out[wanted.key] = wanted
    return out


def student_keys(
    uaj: str, eleves: ElevesExport, state: LedgerState, today: date, retention_months: int
) -> dict[str, str]:
    """Person key of each ELEVE_ID, matching by INE a known student under another ELEVE_ID.

    Students the file keeps (in a class, not left) claim first, in ELEVE_ID order, the
    first known student of their INE that no record of the file names directly; the others
    (left, without class) then take what is left. Accounts past the retention period are
    never claimed: the plan deletes them (a returner gets a fresh account under the new
    ELEVE_ID), and a claim on them would move to another account once the plan is applied
    (planning again after applying must change nothing).

    :returns: ELEVE_ID → person key (the known key when the INE matched).
    """
    by_ine: dict[str, list[KnownPerson]] = {}
    for known in sorted(state.people.values(), key=lambda p: p.key):
        if known.population is Population.STUDENT and known.national_id:
            by_ine.setdefault(known.national_id, []).append(known)
    direct = {person_key(uaj, Population.STUDENT, s.eleve_id) for s in eleves.students}
    claimed: set[str] = set()
    out: dict[str, str] = {}
    ordered = sorted(eleves.students, key=lambda s: (_absence(s, today) is not None, s.eleve_id))
    for student in ordered:
        key = person_key(uaj, Population.STUDENT, student.eleve_id)
        if key not in state.people:
            # Several known students may share an INE (two ELEVE_IDs over the years): take
            # the first one no other record of the file claims, so planning is stable.
            free = [k.key for k in by_ine.get(student.ine or "", ())
                    if k.key not in direct and k.key not in claimed
                    and not is_expired(k, today, retention_months)]
            key = free[0] if free else key
        claimed.add(key)
        out[student.eleve_id] = key
    return out


def renumbered_students(state: LedgerState) -> dict[str, str]:
    """ELEVE_ID → key of the known students the files now name under another ELEVE_ID than
    their key's: a Responsables file imported alone links its guardians to them."""
    return {p.eleve_id: p.key for p in sorted(state.people.values(), key=lambda p: p.key)
            if p.population is Population.STUDENT and p.eleve_id}


def _absence(student: Student, today: date) -> str | None:
    if student.has_left(today):
        assert student.leaving_date is not None
        return f"sortie le {student.leaving_date.strftime('%d/%m/%Y')}"
    if not student.division:
        return "sans classe"
    return None


def _student_wanted(uaj: str, key: str, student: Student) -> Wanted:
    codes = (student.division or "", *student.groups)
    return Wanted(
        key=key,
        population=Population.STUDENT,
        firstname=student.first_name,
        lastname=student.usage_name or student.last_name,
        birth_date=student.birth_date,
        email=student.email,
        national_id=student.ine,
        eleve_id=student.eleve_id,
        cohorts=frozenset(cohort_key(uaj, code) for code in codes),
        division=student.division,
        groups=tuple(sorted(set(student.groups))),
    )


def _students(
    snapshot: Snapshot, state: LedgerState, today: date, retention_months: int
) -> tuple[dict[str, Wanted], dict[str, str], dict[str, str]]:
    """Active students, reasons of the others, and ELEVE_ID → key."""
    if snapshot.eleves is None:
        return {}, {}, {}
    keys = student_keys(snapshot.uaj, snapshot.eleves, state, today, retention_months)
    wanted: dict[str, Wanted] = {}
    reasons: dict[str, str] = {}
    for student in snapshot.eleves.students:
        key = keys[student.eleve_id]
        reason = _absence(student, today)
        if reason is None:
            wanted[key] = _student_wanted(snapshot.uaj, key, student)
        else:
            reasons[key] = reason
    return wanted, reasons, keys


def _active_student_keys(
    students: Mapping[str, Wanted], state: LedgerState, eleves_given: bool
) -> frozenset[str]:
    if eleves_given:
        return frozenset(students)
    return frozenset(
        p.key for p in state.people.values() if p.population is Population.STUDENT and p.active
    )


def _legal_children(
    uaj: str,
    responsables: ResponsablesExport,
    active_students: frozenset[str],
    keys: Mapping[str, str],
) -> dict[str, tuple[str, ...]]:
    """Guardian key → keys of the active students they are a legal guardian of."""
    children: dict[str, set[str]] = {}
    for link in responsables.links:
        student = keys.get(link.eleve_id) or person_key(uaj, Population.STUDENT, link.eleve_id)
        if link.is_legal and student in active_students:
            guardian = person_key(uaj, Population.GUARDIAN, link.personne_id)
            children.setdefault(guardian, set()).add(student)
    return {g: tuple(sorted(s)) for g, s in children.items()}


def _guardians(
    uaj: str,
    responsables: ResponsablesExport,
    active_students: frozenset[str],
    keys: Mapping[str, str],
) -> tuple[dict[str, Wanted], frozenset[tuple[str, str]]]:
    """Legal guardians of at least one active student, and their links."""
    children = _legal_children(uaj, responsables, active_students, keys)
    wanted: dict[str, Wanted] = {}
    for person in sorted(responsables.guardians, key=lambda g: g.personne_id):
        key = person_key(uaj, Population.GUARDIAN, person.personne_id)
        if key in children:
            wanted[key] = Wanted(
                key=key,
                population=Population.GUARDIAN,
                firstname=person.first_name,
                lastname=person.usage_name or person.last_name,
                email=person.email,
                students=children[key],
            )
    links = frozenset((g, s) for g in wanted for s in children[g])
    return wanted, links


def desired_state(
    snapshot: Snapshot, state: LedgerState, today: date, settings: Settings
) -> Desired:
    """What the snapshot's files want, for the populations they feed.

    :param snapshot: the checked files of this import.
    :param state: the ledger (for INE matching and, without Eleves, the active students).
    :param today: the date leaving dates are compared with.
    :param settings: ``create_other_staff`` is read.
    """
    people = _staff(snapshot, state, settings)
    students, reasons, keys = _students(snapshot, state, today, settings.retention_months)
    people.update(students)
    links: frozenset[tuple[str, str]] | None = None
    warnings = _warnings(people.values(), settings)
    if snapshot.responsables is not None:
        active = _active_student_keys(students, state, snapshot.eleves is not None)
        keys = keys if snapshot.eleves is not None else renumbered_students(state)
        guardians, links = _guardians(snapshot.uaj, snapshot.responsables, active, keys)
        people.update(guardians)
        if snapshot.eleves is None:
            warnings.extend(_unknown_students_warning(snapshot.uaj, snapshot.responsables, state))
            warnings.extend(_unmatched_guardians_warning(snapshot.responsables, state, keys,
                                                         guardians))
    return Desired(
        populations=planned_populations(snapshot, settings),
        people=people,
        absent_reasons=reasons,
        links=links,
        warnings=tuple(warnings),
    )


def _unknown_students_warning(
    uaj: str, responsables: ResponsablesExport, state: LedgerState
) -> list[str]:
    """Responsables without Eleves, and no student ever imported: the guardians get no
    account yet, which must not read as « nothing to do »."""
    if any(p.population is Population.STUDENT for p in state.people.values()):
        return []
    unknown = {
        link.eleve_id for link in responsables.links
        if link.is_legal and person_key(uaj, Population.STUDENT, link.eleve_id) not in state.people
    }
    if not unknown:
        return []
    return [
        f"Aucun élève n'est encore importé pour les {len(unknown)} élève(s) du fichier des "
        "responsables : leurs responsables n'ont pas de compte. Importez le fichier des élèves "
        "(Eleves), puis de nouveau celui des responsables."
    ]


def _unmatched_guardians_warning(
    responsables: ResponsablesExport, state: LedgerState, keys: Mapping[str, str],
    wanted: Mapping[str, Wanted],
) -> list[str]:
    """Responsables alone: known guardians about to be deactivated although the file links
    them to a student, under an ELEVE_ID the ledger does not know (renumbered before the
    ledger kept new ELEVE_IDs, say): never a silent suspension."""
    uaj = state.uaj
    unknown: dict[str, set[str]] = {}
    for link in responsables.links:
        student = keys.get(link.eleve_id) or person_key(uaj, Population.STUDENT, link.eleve_id)
        guardian = person_key(uaj, Population.GUARDIAN, link.personne_id)
        known = state.people.get(guardian)
        if (link.is_legal and student not in state.people and guardian not in wanted
                and known is not None and known.active):
            unknown.setdefault(guardian, set()).add(link.eleve_id)
    return [
        f"{state.people[g].firstname} {state.people[g].lastname} ({state.people[g].username}) "
        f"est responsable d'un élève d'ELEVE_ID inconnu du registre ({', '.join(sorted(ids))}) "
        "et va être désactivé. Si cet élève a changé d'ELEVE_ID, importez le fichier des élèves "
        "(Eleves) avec celui des responsables."
        for g, ids in sorted(unknown.items())
    ]


def _warnings(people: Iterable[Wanted], settings: Settings) -> list[str]:
    derived = [p for p in people if p.population is Population.GUARDIAN or p.birth_date is None]
    out = [
        f"{p.lastname} {p.firstname} n'a pas de date de naissance : mot de passe initial généré."
        for p in sorted(derived, key=lambda p: p.key)
        if p.population is not Population.GUARDIAN
    ]
    if derived and not settings.secret:
        out.append(
            "Aucun secret n'est configuré (CPRO_SIECLE_SECRET) : les mots de passe générés "
            "des responsables sont prévisibles. Configurez un secret avant d'importer."
        )
    return out

"""The pure core of reconciliation: files + ledger + today → ``Plan``.

``compute_plan`` diffs what the files want (:mod:`.desired`) with what the ledger knows,
for the populations whose file was given only: STS feeds staff and cohorts, Eleves the
students, Responsables the legal guardians and their links. Known people are never
recreated nor renamed; their logins and passwords are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from ..config import Settings
from ..domain import Snapshot, Structure
from .credentials import initial_password, login_stems, make_username
from .desired import Desired, Wanted, desired_state
from .plan import (
    Action,
    AddMember,
    ChangeFunction,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    LinkGuardian,
    Plan,
    ReactivateUser,
    RemoveMember,
    RenumberStudent,
    SuspendUser,
    UnlinkGuardian,
    sort_actions,
)
from .retention import add_months as add_months  # re-exported: pages compute dates with it
from .retention import is_expired
from .safety import assess, expected_leavers, is_year_change
from .state import (
    KnownPerson,
    LedgerState,
    Population,
    cohort_key,
    current_eleve_id,
    host_idnumber,
)

_SOURCES = ("sts", "eleves", "responsables")


#: French kind of a structure, and the same with its article after "de".
_KINDS = {
    None: ("Classe ou groupe", "de la classe ou du groupe"),
    False: ("Division", "de la division"),
    True: ("Groupe", "du groupe"),
}


def _cohort(uaj: str, code: str, structure: Structure | None, teachers: bool) -> CreateCohort:
    """A division's or group's cohort, or the cohort of its teachers."""
    key = cohort_key(uaj, code, teachers=teachers)
    label = structure.label if structure is not None else ""
    kind, of_kind = _KINDS[structure.is_group if structure is not None else None]
    if teachers:
        name, description = f"{code} — enseignants", f"Enseignants {of_kind} {code} ({uaj})"
    else:
        name = f"{code} — {label}" if label and label != code else code
        description = f"{kind} {label or code} ({uaj})"
    return CreateCohort(key, host_idnumber(key), name, description)


def _cohort_actions(
    snapshot: Snapshot, desired: Desired, state: LedgerState
) -> tuple[list[CreateCohort], list[str]]:
    """Cohorts of STS structures and of codes people need, unknown to the ledger."""
    structures = {s.code: s for s in (snapshot.sts.structures if snapshot.sts else ())}
    wanted: dict[str, tuple[str, bool]] = {
        cohort_key(snapshot.uaj, c): (c, False) for c in structures
    }
    for person in desired.people.values():
        for code in (person.division or "", *person.groups):
            wanted.setdefault(cohort_key(snapshot.uaj, code), (code, False))
        for code in person.classes:
            wanted.setdefault(cohort_key(snapshot.uaj, code, teachers=True), (code, True))
    actions: list[CreateCohort] = []
    warnings: list[str] = []
    for key, (code, teachers) in sorted(wanted.items()):
        if not code or key in state.cohorts:
            continue
        actions.append(_cohort(snapshot.uaj, code, structures.get(code), teachers))
        if code not in structures and not teachers:
            warnings.append(
                f"La classe ou le groupe {code} n'est pas dans la structure STS : "
                "cohorte créée avec son seul code."
            )
    return actions, warnings


def _password(person: Wanted, settings: Settings) -> str:
    return initial_password(person.population.value, person.birth_date, person.key,
                            settings.secret)


#: Who gets the plain login first when homonyms arrive in one import: staff, then students,
#: then guardians (a teacher's login must not depend on a parent imported at the same time).
_LOGIN_PRIORITY = {"sts": 0, "eleves": 1, "responsables": 2}


def _creations(new: Iterable[Wanted], state: LedgerState, settings: Settings,
               freed: Iterable[str] = ()) -> Iterator[Action]:
    """Accounts of new people, logins given staff first, then students, then guardians, each
    in person-key order, and their cohorts. ``freed``: logins of accounts this plan erases
    before creating (returners after the retention period get their login back)."""
    taken = set(state.taken_usernames) | {p.username for p in state.people.values()}
    taken -= set(freed)
    for person in sorted(new, key=lambda p: (_LOGIN_PRIORITY[p.population.source], p.key)):
        username = make_username(
            person.firstname, person.lastname, taken, settings.login_max_length
        )
        yield CreateUser(
            person_key=person.key,
            population=person.population.value,
            idnumber=host_idnumber(person.key),
            username=username,
            password=_password(person, settings),
            firstname=person.firstname,
            lastname=person.lastname,
            email=person.email,
            national_id=person.national_id,
            division=person.division,
            groups=person.groups,
            disciplines=person.disciplines,
            classes=person.classes,
            students=person.students,
        )
        yield from (AddMember(c, person.key) for c in sorted(person.cohorts))
        # A student renewed under the key of an older ELEVE_ID keeps that key.
        yield from _renumbering(person.key, username, person.key.rsplit(":", 1)[-1], person)


def _renumbering(key: str, username: str, current: str, wanted: Wanted) -> Iterator[Action]:
    """The ledger learns a student's new ELEVE_ID (matched by INE), see RenumberStudent."""
    if wanted.eleve_id is not None and wanted.eleve_id != current:
        yield RenumberStudent(key, username, wanted.eleve_id)


def _memberships(key: str, have: frozenset[str], want: frozenset[str]) -> Iterator[Action]:
    yield from (RemoveMember(c, key) for c in sorted(have - want))
    yield from (AddMember(c, key) for c in sorted(want - have))


def _departure(known: KnownPerson, reason: str, settings: Settings) -> Iterator[Action]:
    """Out of every cohort at once; suspended unless a student keeps their login."""
    yield from (RemoveMember(c, known.key) for c in sorted(known.cohorts))
    keeps_login = known.population is Population.STUDENT and settings.student_login_months > 0
    yield DeactivateUser(
        known.key, known.population.value, known.username, suspend=not keeps_login, reason=reason
    )


def _retention(known: KnownPerson, today: date, settings: Settings) -> Iterator[Action]:
    """Deletion after the retention period; suspension when a student's login window ends."""
    if known.deactivated_on is None:
        return
    if is_expired(known, today, settings.retention_months):
        yield DeleteUser(known.key, known.population.value, known.username)
        return
    window = settings.student_login_months if known.population is Population.STUDENT else 0
    if not known.suspended and add_months(known.deactivated_on, window) <= today:
        yield SuspendUser(known.key, known.population.value, known.username)


def _absent_reason(known: KnownPerson, desired: Desired) -> str:
    if known.key in desired.absent_reasons:
        return desired.absent_reasons[known.key]
    if known.population is Population.GUARDIAN:
        return "n'est plus responsable légal d'un élève présent"
    return "absent des fichiers"


def _staying(known: KnownPerson, wanted: Wanted) -> Iterator[Action]:
    """A known person in the files: reactivated if gone, function and memberships as the
    files say."""
    if not known.active:
        population = wanted.population.value
        yield ReactivateUser(known.key, population, known.username, unsuspend=known.suspended)
    if known.population is not wanted.population:
        yield ChangeFunction(known.key, known.username, known.population.value,
                             wanted.population.value)
    yield from _renumbering(known.key, known.username, current_eleve_id(known), wanted)
    yield from _memberships(known.key, known.cohorts, wanted.cohorts)


def _renewal(known: KnownPerson, wanted: Wanted, settings: Settings) -> tuple[DeleteUser, str]:
    """Back after the retention period: the old account is erased (GDPR), never reactivated,
    before a fresh one is created (its login is free again); and the admin's warning."""
    return DeleteUser(known.key, known.population.value, known.username, returning=True), (
        f"{wanted.firstname} {wanted.lastname} ({known.username}) revient après plus de "
        f"{settings.retention_months} mois de désactivation : l'ancien compte est "
        "supprimé (RGPD) et un compte neuf lui est créé.")


def _under_new_id(known: KnownPerson, desired: Desired,
                  new_by_ine: dict[str, Wanted]) -> Wanted | None:
    """The new student of the known student's INE, unless the file names the known one."""
    if known.population is not Population.STUDENT or known.key in desired.absent_reasons:
        return None
    return new_by_ine.get(known.national_id or "")


def _people_actions(
    desired: Desired, state: LedgerState, today: date, settings: Settings
) -> tuple[list[Action], dict[str, int], list[str]]:
    """Every account and membership action, the count of people kept per population, and
    the French warnings about returners whose account is deleted rather than reactivated."""
    new = [w for k, w in desired.people.items() if k not in state.people]
    # New students whose INE is that of an expired account: returners under a new ELEVE_ID
    # (an expired account is never claimed by INE, see desired.student_keys).
    new_by_ine = {w.national_id: w for w in sorted(new, key=lambda w: w.key, reverse=True)
                  if w.population is Population.STUDENT and w.national_id}
    actions: list[Action] = []
    kept = {p.value: 0 for p in sorted(desired.populations, key=lambda p: p.value)}
    warnings: list[str] = []
    freed: list[str] = []
    for known in sorted(state.people.values(), key=lambda p: p.key):
        wanted = desired.people.get(known.key)
        expired = is_expired(known, today, settings.retention_months)
        returner = wanted if wanted is not None else _under_new_id(known, desired, new_by_ine)
        if returner is not None and expired:
            deletion, warning = _renewal(known, returner, settings)
            actions.append(deletion)
            new.extend([wanted] if wanted else [])
            freed.append(known.username)
            warnings.append(warning)
        elif wanted is not None:
            kept[wanted.population.value] += known.active
            actions.extend(_staying(known, wanted))
        elif known.population not in desired.populations:
            continue  # its file was not given: nothing to say about this person
        elif known.active:
            actions.extend(_departure(known, _absent_reason(known, desired), settings))
        else:
            actions.extend(_retention(known, today, settings))
    return [*_creations(new, state, settings, freed), *actions], kept, warnings


def _link_actions(desired: Desired, state: LedgerState, deleted: set[str],
                  renewed: set[str]) -> Iterator[Action]:
    """Links follow Responsables; a link is removed only while both people stay active; none
    is made to an account this plan deletes. An account ``renewed`` (erased, then created
    afresh) has lost its links: they are made again."""
    if desired.links is None:
        return
    active_after = set(desired.people) - deleted | {
        p.key for p in state.people.values() if p.active and p.population not in desired.populations
    }
    have = {link for link in state.links if not renewed & set(link)}
    for guardian, student in sorted(desired.links - have):
        if guardian not in deleted and student not in deleted:
            yield LinkGuardian(guardian, student)
    for guardian, student in sorted(have - desired.links):
        if guardian in active_after and student in active_after:
            yield UnlinkGuardian(guardian, student)


def _meta(
    snapshot: Snapshot, state: LedgerState, today: date, settings: Settings
) -> dict[str, Any]:
    given = (snapshot.sts, snapshot.eleves, snapshot.responsables)
    meta: dict[str, Any] = {
        "uaj": snapshot.uaj,
        "year": snapshot.year,
        "today": today.isoformat(),
        "populations": [name for name, part in zip(_SOURCES, given, strict=True) if part],
        "files": list(snapshot.files),
        "year_change": is_year_change(snapshot, state),
        "student_login_months": settings.student_login_months,
        "retention_months": settings.retention_months,
    }
    if snapshot.sts is not None:
        meta["structures"] = sorted({s.code for s in snapshot.sts.structures})
    meta["exports"] = {
        name: {"year": part.school.year, "exported_at": part.school.exported_at.isoformat()
               if part.school.exported_at else None}
        for name, part in zip(_SOURCES, given, strict=True) if part
    }
    return meta


def planned_login_stems(
    snapshot: Snapshot, state: LedgerState, today: date, settings: Settings,
    desired: Desired | None = None,
) -> frozenset[str]:
    """Stems of every login this import may give (see :func:`.credentials.login_stems`).

    The planner's ``state.taken_usernames`` need only hold the platform's logins sharing one
    of them: no other login can equal one it gives. Every wanted person counts (not only
    new ones: returners past the retention period get a new account).
    """
    if desired is None:
        desired = desired_state(snapshot, state, today, settings)
    return frozenset(
        stem for p in desired.people.values()
        for stem in login_stems(p.firstname, p.lastname, settings.login_max_length))


def compute_plan(
    snapshot: Snapshot, state: LedgerState, today: date, settings: Settings,
    desired: Desired | None = None,
) -> Plan:
    """Plan one import: creations, memberships, links, departures and retention.

    Same input, same plan, in the same order.

    :param snapshot: the checked files of this import.
    :param state: what the ledger knows about this school, and the platform's logins (at
        least those sharing a :func:`planned_login_stems` stem).
    :param today: the date of the import (leaving dates, login window, retention).
    :param settings: login cap, login window, retention, brake thresholds, secret.
    :param desired: :func:`.desired.desired_state` of the same arguments, when the caller
        already has it (it does not depend on ``state.taken_usernames``).
    :returns: the plan, with ``meta`` described in :class:`~.plan.Plan`.
    """
    if desired is None:
        desired = desired_state(snapshot, state, today, settings)
    cohorts, cohort_warnings = _cohort_actions(snapshot, desired, state)
    people, kept, returner_warnings = _people_actions(desired, state, today, settings)
    renewed = {a.person_key for a in people if isinstance(a, DeleteUser) and a.returning}
    deleted = {a.person_key for a in people if isinstance(a, DeleteUser)} - renewed
    links = _link_actions(desired, state, deleted, renewed)
    actions = sort_actions([*cohorts, *people, *links])
    meta = _meta(snapshot, state, today, settings)
    meta["warnings"] = [*desired.warnings, *cohort_warnings, *returner_warnings]
    meta["kept"] = kept
    expected = expected_leavers(snapshot, state, today, settings.retention_months)
    meta["brake"] = assess(actions, state, snapshot, settings, expected)
    return Plan(actions, meta)

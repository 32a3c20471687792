"""Orchestration shared by the web views and the CLI: analyse, preview, apply, history.

Thin on purpose: it reads the ledger, calls the pure core (analysis, planner, safety,
report) and hands the host and the ledger to ``apply_plan``. Dry-run is the default: a
preview stores the plan; :meth:`SiecleService.apply` executes exactly that stored plan,
identified by its checksum, and refuses it if the school changed since.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any

from .adapters.base import HostAdapter, HostIdentity, Preflight, PreflightCheck
from .collation import class_key, person_key
from .config import Settings
from .domain import ExportKind, SchoolScope, Snapshot, Structure
from .errors import ChecksumMismatchError, HostError, PlanError, SchoolForbiddenError
from .reports.report import Known, Report, build_report
from .runner.apply import ApplyOutcome, apply_plan
from .runner.jobs import ImportRequest
from .siecle.analyse import Analysis, LastImport, SchoolHistory
from .siecle.archive import InputFile
from .store import Ledger, RunRecord
from .store.login_parts import LoginsPart
from .store.plans import StoredPlan
from .store.records import PersonRecord
from .store.report_data import report_from_data, report_to_data
from .store.retention import Retention
from .sync.credentials import initial_password, random_password
from .sync.desired import Desired, desired_state
from .sync.plan import CreateUser, Plan, PlanSource, total
from .sync.planner import compute_plan, planned_login_stems
from .sync.safety import enforce
from .sync.state import LedgerState, Population, cohort_code
from .tableur import analyse_inputs, source_problem

log = logging.getLogger(__name__)

__all__ = ["Preview", "SiecleService", "analyse_with_ledger"]

#: Rounds of re-planning when planned logins turn out to be taken on the host.
USERNAME_ROUNDS = 5


@dataclass(frozen=True)
class Preview:
    """A stored plan ready to be shown: what apply will do if the admin confirms."""

    plan_id: int
    plan: Plan
    checksum: str
    analysis: Analysis
    preflight: Preflight
    brake: Mapping[str, Any]
    #: The plan continues an interrupted import of the same files (not a new plan).
    resumed: bool = False

    @property
    def blocked(self) -> bool:
        """The host is not ready: apply would be refused."""
        return not self.preflight.ok

    @property
    def report(self) -> Report:
        """The plan as a (not yet applied) report, for the preview page."""
        return build_report(self.plan)


def analyse_with_ledger(
    files: Sequence[InputFile], ledger: Ledger | None, *, today: date, settings: Settings,
    expected: Collection[ExportKind] | None = None, confirm: Collection[str] = (),
    scope: SchoolScope | None = None,
) -> Analysis:
    """Read and check the files (SIECLE exports or « hors SIECLE » tables) against what
    ``ledger`` knows of their school: without STS among them, the structures of its last STS
    import (no ledger, or a school never imported: STS first); files not of the school's
    source are refused; another school, an earlier year or an older export than the last
    imported need the confirmations in ``confirm`` (see :func:`.siecle._checks.check_history`).

    :raises SchoolForbiddenError: the files' school is outside ``scope`` (checked before
        anything of that school is read from the ledger).
    """
    def past_sts(uaj: str) -> tuple[list[Structure], bool] | None:
        _check_scope(scope, uaj)
        if ledger is None or (school := ledger.school(uaj)) is None:
            return None
        structures = [Structure(code, label, is_group)
                      for code, (label, is_group) in ledger.structures(uaj).items()]
        return structures, school.has_sts_import

    analysis = analyse_inputs(files, today=today, settings=settings, expected=expected,
                              past_sts=past_sts, confirm=confirm,
                              history=None if ledger is None else partial(school_history, ledger,
                                                                               scope=scope))
    uaj = analysis.summary.get("uaj")
    if uaj:
        _check_scope(scope, str(uaj))
    school = ledger.school(uaj) if ledger is not None and uaj else None
    return source_problem(analysis, school.source if school else None)


def school_history(
    ledger: Ledger, uaj: str, scope: SchoolScope | None = None
) -> SchoolHistory:
    """What ``ledger`` knows of school ``uaj``, as the analysis's plain facts (the other
    schools named only when ``scope`` allows them: nothing of another school leaks)."""
    school = ledger.school(uaj)
    others = tuple(u for u in ledger.school_uajs()
                   if u != uaj and (scope is None or scope.allows(u)))
    if school is None:
        return SchoolHistory(False, others=others)
    last = {kind: LastImport(e.get("year"), _moment(e.get("exported_at")))
            for kind, e in ledger.last_exports(uaj).items()}
    return SchoolHistory(True, last, others)


def _moment(raw: object) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def files_digest(files: Sequence[InputFile]) -> str:
    """SHA-256 of the files' contents, whatever their names and order (to tell the same
    files imported again)."""
    each = []
    for f in files:
        h = hashlib.sha256()
        with open(f.path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                h.update(block)
        each.append(h.hexdigest())
    return hashlib.sha256(" ".join(sorted(each)).encode()).hexdigest()


def _check_scope(scope: SchoolScope | None, uaj: str) -> None:
    if scope is not None and not scope.allows(uaj):
        raise SchoolForbiddenError(uaj)


class SiecleService:
    """Everything an import does, for one ledger and one host.

    :param today: fixed date (tests, demos); the current date when ``None``.
    """

    def __init__(
        self, settings: Settings, ledger: Ledger, host: HostAdapter, *, today: date | None = None
    ) -> None:
        if not settings.secret:
            settings = replace(settings, secret=ledger.secret())
        self.settings = settings
        self.ledger = ledger
        self.host = host
        self._today = today

    @property
    def today(self) -> date:
        return self._today or date.today()

    # -- dry run ----------------------------------------------------------------------------

    def analyse(
        self, files: Sequence[InputFile], expected: Collection[ExportKind] | None = None,
        confirm: Collection[str] = (),
        scope: SchoolScope | None = None,
    ) -> Analysis:
        """Read and check the files against what the ledger knows of their school.

        Files without STS are checked against the structures of the school's last STS
        import; a school never imported needs STS first; ``confirm`` holds the
        confirmations given (a new school, an older file).
        """
        return analyse_with_ledger(files, self.ledger, today=self.today,
                                   settings=self.settings, expected=expected, confirm=confirm,
                                   scope=scope)

    def preview(
        self, files: Sequence[InputFile], user: str,
        expected: Collection[ExportKind] | None = None, force: bool = False,
        confirm: Collection[str] = (),
        scope: SchoolScope | None = None,
    ) -> Preview:
        """Analyse, plan against the ledger, check logins on the host and store the plan.

        ``force`` is accepted for symmetry with :meth:`apply`: the safety brake is only
        enforced when applying.

        :raises AnalysisError: the files have blocking problems.
        :raises SchoolForbiddenError: the files' school is outside ``scope``.
        """
        self.purge()
        digest = files_digest(files)
        analysis = self.analyse(files, expected, confirm, scope)
        analysis.raise_for_errors()
        assert analysis.snapshot is not None
        resumed = self.ledger.resumable_plan(
            analysis.snapshot.uaj, digest,
            stale_after=self.settings.lock_stale_after)
        if resumed is not None:  # the same files again after an interruption: continue it
            plan = self.ledger.get_plan(resumed)
            log.info("Reprise du plan n° %d (mêmes fichiers).", resumed)
            return Preview(resumed, plan, plan.checksum, analysis, self._preflight(plan),
                           dict(plan.meta.get("brake") or {}), resumed=True)
        analysis, snapshot, (state, desired), version, plan = self._prepare(
            files, expected, confirm, scope, analysis)
        extra = {**self._extra(snapshot, state, desired), "files_digest": digest}
        plan_id = self.ledger.save_plan(plan, user, list(snapshot.files), state_version=version,
                                        extra=extra)
        brake = dict(plan.meta.get("brake") or {})
        return Preview(plan_id, plan, plan.checksum, analysis, self._preflight(plan), brake)

    def plan(
        self, files: Sequence[InputFile], expected: Collection[ExportKind] | None = None,
        confirm: Collection[str] = (),
    ) -> Plan:
        """The plan of an import, computed but not stored (CLI dry run).

        :raises AnalysisError: the files have blocking problems.
        """
        return self._prepare(files, expected, confirm)[4]

    def _prepare(
        self, files: Sequence[InputFile], expected: Collection[ExportKind] | None,
        confirm: Collection[str], scope: SchoolScope | None = None,
        analysis: Analysis | None = None,
    ) -> tuple[Analysis, Snapshot, tuple[LedgerState, Desired], int, Plan]:
        analysis = analysis or self.analyse(files, expected, confirm, scope)
        analysis.raise_for_errors()
        snapshot = analysis.snapshot
        assert snapshot is not None
        version = self.ledger.state_version(snapshot.uaj)  # read before the state it guards
        state = self.ledger.load_state(snapshot.uaj, every_login=False)
        # The desired state does not depend on the platform's logins: computed once.
        desired = desired_state(snapshot, state, self.today, self.settings)
        stems = planned_login_stems(snapshot, state, self.today, self.settings, desired)
        state = replace(state, taken_usernames=state.taken_usernames
                        | self.ledger.taken_logins(stems))  # others' logins the plan may meet
        plan = self._plan(snapshot, state, desired)
        return analysis, snapshot, (state, desired), version, plan

    def _plan(self, snapshot: Snapshot, state: LedgerState, desired: Desired) -> Plan:
        """Plan, then re-plan while planned logins belong to host accounts not ours."""
        taken: set[str] = set()
        for _ in range(USERNAME_ROUNDS):
            current = replace(state, taken_usernames=state.taken_usernames | taken)
            plan = compute_plan(snapshot, current, self.today, self.settings, desired)
            creates = [a for a in plan.actions if isinstance(a, CreateUser)]
            if not creates:
                return plan
            ours = {a.username: a.idnumber for a in creates}
            found = self.host.find_users("username", list(ours))
            clash = {u.username for u in found if u.idnumber != ours[u.username]}
            if not clash:
                return plan
            log.info("%d identifiant(s) déjà pris sur la plateforme : nouveau calcul.", len(clash))
            taken |= clash
        raise PlanError("Impossible de trouver des identifiants libres sur la plateforme.")

    def _extra(self, snapshot: Snapshot, state: LedgerState, desired: Desired
               ) -> dict[str, Any]:
        """Side data kept with the plan: birth dates (password resets) and STS structures."""
        extra: dict[str, Any] = {
            "birth_dates": {k: p.birth_date.isoformat() for k, p in desired.people.items()
                            if p.birth_date and k not in state.people},
            "source": snapshot.source,
        }
        if snapshot.sts is not None:
            extra["school_name"] = snapshot.sts.school.name
            extra["structures"] = [{"code": s.code, "label": s.label, "is_group": s.is_group}
                                   for s in snapshot.sts.structures]
        return extra

    # -- apply ------------------------------------------------------------------------------

    def apply(
        self, plan_id: int, checksum: str, user: str, force: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> ApplyOutcome:
        """Apply the stored plan the admin previewed; ``outcome.run_id`` names the run.

        :raises ChecksumMismatchError: not the previewed plan, or the school changed since.
        :raises SafetyBrakeError: the brake is triggered and ``force`` is false.
        :raises ImportLockedError: another import of the school is running.
        :raises PlanError: the plan was already applied, or the host is not ready.
        """
        uaj, plan = self._stored(plan_id, checksum)
        enforce(plan, force)
        self._check_host(plan)
        stale_after = self.settings.lock_stale_after
        with self.ledger.lock(uaj, user, stale_after=stale_after) as held:
            self.ledger.begin_apply(plan_id)
            names = self._names(uaj)
            run_id = self.ledger.start_run(plan_id, user)
            self.host.notices.clear()

            def beating(done: int, total: int) -> None:
                held.beat()  # a lock released by hand stops the import here
                if progress is not None:
                    progress(done, total)

            try:
                outcome = apply_plan(plan, self.host, self.ledger.journal(plan_id),
                                     progress=beating)
            except Exception as exc:
                broken = ApplyOutcome(complete=False, error=str(exc), total=total(plan))
                self.ledger.finish_run(run_id, broken, None)
                raise
            forced = user if force and plan.meta.get("brake", {}).get("triggered") else None
            report = build_report(plan, outcome, people=names, forced_by=forced)
            report_data = report_to_data(replace(report, warnings=(*report.warnings,
                                                                   *self.host.notices)))
            del names, report  # not needed to record the run: freed before its largest step
            self.ledger.finish_run(run_id, outcome, report_data)
        outcome.run_id = run_id
        return outcome

    def _stored(self, plan_id: int, checksum: str) -> tuple[str, StoredPlan]:
        """The school and the stored plan to apply, verified, streamed part by part."""
        record = self.ledger.plan_record(plan_id)
        if checksum != record.checksum:
            raise ChecksumMismatchError(checksum, record.checksum)
        if record.status == "applied":
            raise PlanError("Ce plan a déjà été appliqué : relancez l'aperçu.")
        return record.uaj, self.ledger.stored_plan(plan_id, expected_checksum=checksum)

    def apply_request(
        self, request: ImportRequest, progress: Callable[[int, int], None]
    ) -> ApplyOutcome:
        """Apply what an import job asks: the runners' entry point (see :meth:`apply`)."""
        return self.apply(request.plan_id, request.checksum, request.user,
                          force=request.force, progress=progress)

    def _preflight(self, plan: PlanSource) -> Preflight:
        """The host's checks (write probes only when the plan writes), and its identity."""
        preflight = self.host.check(writes=total(plan) > 0)
        uaj = str(plan.meta.get("uaj", ""))
        return replace(preflight, checks=(*preflight.checks, self._host_identity_check(uaj)))

    def _check_host(self, plan: PlanSource) -> None:
        """Refuse, before any write, a host not ready or not the school's; bind it if new."""
        preflight = self._preflight(plan)
        if not preflight.ok:
            problems = "; ".join(c.message for c in preflight.checks if c.blocking and not c.ok)
            raise PlanError(f"La plateforme n'est pas prête pour une importation : {problems}")
        self.ledger.bind_host(str(plan.meta.get("uaj", "")), self.host.identity())

    def _host_identity_check(self, uaj: str) -> PreflightCheck:
        """Whether the school's ids in the ledger belong to this host (see store/hosts.py)."""
        try:
            current = self.host.identity()
        except HostError as exc:
            return PreflightCheck("plateforme", False, f"Identité de la plateforme illisible : "
                                  f"{exc}")
        bound = self.ledger.host_binding(uaj)
        if bound is None and self.ledger.has_host_ids(uaj) and not self._ids_hold(uaj):
            bound = HostIdentity("?", "inconnue (registre d'avant l'identification des "
                                 "plateformes)", "?")
        if bound is not None and (bound.kind, bound.site) != (current.kind, current.site):
            return PreflightCheck("plateforme", False, (
                f"Le registre de l'établissement {uaj} a été rempli sur une autre plateforme "
                f"({bound.kind} {bound.url}) que celle-ci ({current.kind} {current.url}) : ses "
                "identifiants de comptes y désigneraient d'autres personnes ; rien n'est envoyé. "
                "Pour passer volontairement l'établissement sur cette plateforme, lancez "
                f"« cpro-siecle rematch {uaj} » : ses comptes et cohortes y sont retrouvés par "
                "leur numéro d'identification (idnumber), les absents seront créés par "
                "l'importation suivante."))
        return PreflightCheck("plateforme", True, f"Plateforme de l'établissement : "
                              f"{current.kind} {current.url}.")

    def _ids_hold(self, uaj: str, sample: int = 20) -> bool:
        """A ledger of before host identity: do some of its ids name our accounts here?"""
        known = [p for p in self.ledger.load_state(uaj, every_login=False).people.values()
                 if p.host_id is not None and p.active][:sample]
        found = {u.idnumber: u.id for u in self.host.find_users(
            "idnumber", [p.idnumber for p in known])}
        return all(found.get(p.idnumber) == p.host_id for p in known)

    def rematch(self, uaj: str) -> dict[str, int]:
        """Re-match the school's people and cohorts on this host by idnumber, and bind it.

        For a school moved to another host on purpose, or repaired after accounts or
        cohorts were deleted by hand: what is found keeps (or takes) its host id, the rest is
        forgotten so the next import creates it; memberships and guardian links are all sent
        again by the next import.

        :returns: counts ``people_found``, ``people_missing``, ``cohorts_found``,
            ``cohorts_missing``.
        """
        state = self.ledger.load_state(uaj, every_login=False)
        users = {u.idnumber: u for u in self.host.find_users(
            "idnumber", [p.idnumber for p in state.people.values()])}
        people = {k: ((u.id, u.suspended) if (u := users.get(p.idnumber)) else None)
                  for k, p in state.people.items()}
        found = self.host.find_cohorts([c.idnumber for c in state.cohorts.values()])
        cohorts = {k: found.get(c.idnumber) for k, c in state.cohorts.items()}
        with self.ledger.lock(uaj, "rematch"):
            self.ledger.rematch(uaj, people, cohorts, self.host.identity())
        counts = {"people_found": sum(v is not None for v in people.values()),
                  "people_missing": sum(v is None for v in people.values()),
                  "cohorts_found": sum(v is not None for v in cohorts.values()),
                  "cohorts_missing": sum(v is None for v in cohorts.values())}
        log.info("Établissement %s re-rattaché à %s : %s", uaj, self.host.name, counts)
        return counts

    def _names(self, uaj: str) -> dict[str, Known]:
        """Known people's names, login and class, for the report (before deletions)."""
        kinds = self.ledger.structures(uaj)
        return {p.key: Known(p.lastname, p.firstname, p.username, _division(p.cohorts, kinds))
                for p in self.ledger.people(uaj)}

    # -- history and accounts ---------------------------------------------------------------

    def history(
        self, uaj: str | None = None, scope: SchoolScope | None = None
    ) -> list[RunRecord]:
        """Past imports, latest first (of the schools in ``scope`` only, when given; personal
        data past its retention purged first)."""
        self.purge()
        return self.ledger.history(uaj, uajs=scope.filter if scope else None,
                                   stale_after=self.settings.lock_stale_after)

    def purge(self) -> dict[str, int]:
        """Apply the retention delays of the settings (see ``store.retention``)."""
        return self.ledger.purge(Retention.of(self.settings))

    def run(self, run_id: int) -> RunRecord:
        """One past import."""
        return self.ledger.run(run_id)

    def report(self, run_id: int) -> Report:
        """The report kept with a run, the complete one of a later run that continued it, or
        rebuilt from its plan and journal while the import is unfinished."""
        run = self.ledger.run(run_id)
        while run.report is None and run.resumed_by is not None:
            run = self.ledger.run(run.resumed_by)
        if run.report is not None:
            return report_from_data(run.report)
        plan = self.ledger.stored_plan(run.plan_id)
        done = {k for k, s in self.ledger.journal(run.plan_id).statuses(plan.checksum).items()
                if s == "done"}
        return build_report(plan, ApplyOutcome(done_keys=done, complete=False))

    def logins(self, uaj: str | None = None, scope: SchoolScope | None = None,
               part: LoginsPart | None = None) -> dict[str, Any]:
        """Logins of a school (every school of ``scope`` if ``None``), for the admin to hand out;
        only those of ``part`` of school ``uaj`` when given (a large school's list).

        :returns: ``staff`` and ``guardians`` (lists), ``students`` (class code → list;
            ``""`` for students with no class), classes in school order and names in French
            order. Each line: ``key``, ``uaj``, ``lastname``, ``firstname``, ``username``,
            ``population``, ``active``, ``suspended``, ``division`` (students) and
            ``children`` (guardians: their students' lines). No password is stored, so none
            is given (see :meth:`reset_password`).
        """
        uajs = scope.filter if scope else None
        kinds = self.ledger.structures(uaj, uajs=uajs)
        if part is not None and uaj is not None:
            found = self.ledger.logins_part(uaj, part)
            out = _login_lines(found.people, kinds, found.children)
            if part.kind in ("guardians", "person"):  # children: named in their lines only
                out["students"] = {key: [line for line in lines if line["key"] == part.code]
                                   for key, lines in out["students"].items()}
                out["students"] = {k: v for k, v in out["students"].items() if v}
            return out
        return _login_lines(self.ledger.people(uaj, uajs=uajs), kinds,
                            self.ledger.guardian_children(uaj, uajs=uajs))

    def login_line(self, person_key: str) -> dict[str, Any] | None:
        """One person's line of :meth:`logins` (for a confirmation page), or ``None``."""
        person = self.ledger.person(person_key)
        if person is None:
            return None
        logins = self.logins(person.uaj, part=LoginsPart("person", person_key))
        every = [*logins["staff"], *logins["guardians"],
                 *(line for lines in logins["students"].values() for line in lines)]
        return next((line for line in every if line["key"] == person_key), None)

    def reset_password(self, person_key: str) -> str:
        """Give a person a password again, its change forced at their next login.

        A student gets back the initial password (the birth date, ``jjmmaaaa``) that their
        teachers can tell them; staff and guardians get a new random password, for the admin
        to hand over once. The platform does not e-mail it: Moodle's web services can set a
        password but not send an arbitrary message (README, « Identifiants »).

        :returns: the password, to give to the person.
        :raises PlanError: unknown person, or no account on the host.
        """
        person = self.ledger.person(person_key)
        if person is None or person.host_id is None:
            raise PlanError("Compte inconnu : impossible de réinitialiser son mot de passe.")
        if person.population == Population.STUDENT.value:
            password = initial_password(person.population, person.birth_date, person.key,
                                        self.settings.secret)
        else:
            password = random_password()
        self.host.set_password(person.host_id, password)
        log.info("Mot de passe réinitialisé pour %s.", person.username)
        return password


def _login_lines(people: Sequence[PersonRecord], kinds: Mapping[str, tuple[str, bool]],
                 children: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """:meth:`SiecleService.logins`'s lists, from ``people`` and the guardians' children."""
    people = sorted(people, key=lambda p: person_key(p.lastname, p.firstname, p.username))
    lines: dict[str, dict[str, Any]] = {
        p.key: {"key": p.key, "uaj": p.uaj, "lastname": p.lastname,
                "firstname": p.firstname, "username": p.username,
                "population": p.population, "active": p.active, "suspended": p.suspended,
                "division": _division(p.cohorts, kinds), "children": [],
                "deactivated_on": p.deactivated_on}
        for p in people}
    order = {key: index for index, key in enumerate(lines)}
    out: dict[str, Any] = {"staff": [], "guardians": [], "students": {}}
    for line in lines.values():
        if line["population"] == Population.STUDENT.value:
            out["students"].setdefault(line["division"], []).append(line)
            continue
        line["division"] = ""
        if line["population"] == Population.GUARDIAN.value:
            kids = [k for k in children.get(str(line["key"]), []) if k in lines]
            line["children"] = [lines[k] for k in sorted(kids, key=order.__getitem__)]
            out["guardians"].append(line)
        else:
            out["staff"].append(line)
    out["students"] = dict(sorted(out["students"].items(), key=lambda kv: class_key(kv[0])))
    return out


def _division(cohorts: Sequence[str], kinds: Mapping[str, tuple[str, bool]]) -> str:
    """The class among a student's cohort keys (``uaj:code``), ``""`` when none."""
    codes = [cohort_code(c)[0] for c in cohorts]
    return next((c for c in codes if not kinds.get(c, ("", False))[1]), "")

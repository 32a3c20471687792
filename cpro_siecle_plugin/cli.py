"""The ``cpro-siecle`` command line: a thin shell over the core and the service.

Each command is a small function registered on the ``main`` group; shared helpers (dates,
settings, error handling) sit at the top so that later commands (``plan``, ``apply``,
``serve``, ``check-host``) can reuse them. Every message is French; a refused input never
shows a traceback: a ``SiecleError`` becomes its message on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import Settings, settings_from_mapping
from .errors import AnalysisError, SafetyBrakeError, SiecleError
from .siecle.analyse import Analysis
from .siecle.archive import InputFile

#: Exit codes: 0 fine, 1 the analysis found errors, 2 the input or the settings are refused.
EXIT_PROBLEMS = 1
EXIT_REFUSED = 2


@contextmanager
def refusals() -> Iterator[None]:
    """Turn any ``SiecleError`` into its French message on stderr and exit code 2."""
    try:
        yield
    except SiecleError as exc:
        click.echo(f"Erreur : {exc}{_confirmation_hint(exc)}", err=True)
        sys.exit(EXIT_REFUSED)


#: The flag that gives each confirmation an analysis may ask for.
CONFIRMATION_FLAGS = {"new_school": "--nouvel-etablissement", "older_year": "--force",
                      "older_export": "--force"}


def _confirmation_hint(exc: SiecleError) -> str:
    """How to confirm on the command line, when the refusal waits for a confirmation."""
    codes = {p.code for p in getattr(exc, "problems", ()) if p.needs_confirmation}
    flags = sorted({CONFIRMATION_FLAGS[c] for c in codes if c in CONFIRMATION_FLAGS})
    if not flags:
        return ""
    return f"\nSi c'est voulu, relancez la même commande avec {' et '.join(flags)}."


def cli_settings() -> Settings:
    """Settings from the ``CPRO_SIECLE_*`` environment variables."""
    return settings_from_mapping({}, os.environ)


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"date invalide « {value} » (attendu AAAA-MM-JJ)") from None


#: ``--today`` option shared by commands that judge leavers.
today_option: Callable[[Any], Any] = click.option(
    "--today", callback=_parse_day, metavar="AAAA-MM-JJ",
    help="Date de référence pour les sorties d'élèves (par défaut : aujourd'hui).")

#: ``--nouvel-etablissement`` and ``--force``: the confirmations an analysis may ask for.
new_school_option: Callable[[Any], Any] = click.option(
    "--nouvel-etablissement", "--new-school", "new_school", is_flag=True,
    help="Confirmer qu'il s'agit d'un établissement jamais importé sur cette plateforme.")


def confirmations(new_school: bool, force: bool) -> set[str]:
    """Codes of the confirmations given on the command line."""
    out = {"new_school"} if new_school else set()
    return out | ({"older_year", "older_export"} if force else set())


def _existing_ledger(settings: Settings) -> Any:
    """The configured ledger if it already exists (a SQLite file not yet created, or an
    in-memory database, gives ``None``), opened read-only: ``analyse`` works on a ledger it
    may not write (it is migrated only when its schema is older, which needs writing)."""
    from sqlalchemy.engine import make_url

    from .errors import LedgerError
    from .store import Ledger
    from .store.migrate import sqlite_path

    if make_url(settings.database_url).get_backend_name() == "sqlite":
        path = sqlite_path(settings.database_url)
        if path is None or not path.is_file():
            return None
    try:
        return Ledger(settings.database_url, readonly=True)
    except LedgerError as exc:
        if exc.kind != "outdated":
            raise
    return Ledger(settings.database_url)


SUMMARY_LINES = (
    ("uaj", "Établissement (UAJ)"), ("school_name", "Nom"), ("year", "Année scolaire"),
    ("source", "Source des fichiers"),
    ("divisions", "Classes"), ("groups", "Groupes"), ("teachers", "Enseignants"),
    ("heads", "Direction"), ("other_staff", "Autres personnels"),
    ("students", "Élèves dans le fichier"), ("active_students", "Élèves actifs"),
    ("leavers", "Sortis encore présents"), ("no_division", "Élèves sans classe"),
    ("guardians", "Responsables"), ("legal_links", "Liens de responsabilité légale"),
    ("other_links", "Autres liens"), ("warnings", "Avertissements"), ("errors", "Erreurs"),
)


def summary_text(analysis: Analysis) -> str:
    """The French summary of an analysis, then each problem on its own line."""
    summary = analysis.summary
    lines = []
    for key, label in SUMMARY_LINES:
        value = summary.get(key)
        if key == "year" and isinstance(value, int):
            value = f"{value}-{value + 1}"
        if key == "source":
            from .domain import SOURCE_LABELS

            value = SOURCE_LABELS.get(str(value), value)
        lines.append(f"{label} : {'—' if value is None else value}")
    if analysis.problems:
        lines.append("")
        lines.extend(str(p) for p in analysis.problems)
    lines.append("")
    lines.append("Analyse réussie : l'importation est possible." if analysis.ok
                 else "Importation impossible : corrigez les erreurs ci-dessus."
                 + _confirmation_hint(AnalysisError(analysis.problems)))
    return "\n".join(lines)


@click.group()
@click.version_option(version=__version__, message="%(version)s")
def main() -> None:
    """Synchronisation des exports SIECLE / STS-web avec la plateforme."""


@main.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Résultat en JSON.")
@new_school_option
@click.option("--force", is_flag=True, help="Accepter un fichier plus ancien que le dernier "
              "importé (année scolaire ou date d'export).")
@today_option
def analyse(files: tuple[Path, ...], as_json: bool, new_school: bool, force: bool,
            today: date) -> None:
    """Analyse des exports (XML ou ZIP) sans rien modifier : résumé et problèmes."""
    from .service import analyse_with_ledger

    with refusals():
        settings = cli_settings()
        inputs = [InputFile(path, path.name) for path in files]
        # Without an STS file among FILES, students are checked against the last STS import
        # of an existing ledger; analyse never creates one.
        ledger = _existing_ledger(settings)
        try:
            analysis = analyse_with_ledger(inputs, ledger, today=today, settings=settings,
                                           confirm=confirmations(new_school, force))
        finally:
            if ledger is not None:
                ledger.close()
    if as_json:
        data = {"ok": analysis.ok, "summary": analysis.summary,
                "problems": [p.to_data() for p in analysis.problems]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(summary_text(analysis))
    if not analysis.ok:
        sys.exit(EXIT_PROBLEMS)


# -- serve (admin helper) -------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port d'écoute.")
def serve(host: str, port: int) -> None:
    """Lance la plateforme de démonstration avec le menu « Importation SIECLE »."""
    from .demo import DEFAULT_ADMIN, admin_credentials, create_app

    app = create_app()
    name, password = admin_credentials()
    shown = password if (name, password) == DEFAULT_ADMIN else "(CPRO_SIECLE_DEMO_PASSWORD)"
    click.echo(f"Plateforme de démonstration : http://{host}:{port}/")
    click.echo(f"Administrateur : {name} / {shown}")
    click.echo(f"Données : {app.instance_path} (hôte {app.extensions['cpro_siecle'].host.name})")
    app.run(host=host, port=port, debug=False, threaded=True, use_reloader=False)


# -- check-host (adapters helper) -----------------------------------------------------------


@main.command("check-host")
@click.option("--host", "host_name", type=click.Choice(["embedded", "moodle"]), default=None,
              help="Plateforme à vérifier (par défaut : CPRO_SIECLE_HOST, sinon embedded).")
def check_host(host_name: str | None) -> None:
    """Vérifie que la plateforme est prête pour une importation (jeton, fonctions, rôle...)."""
    from .adapters.factory import make_host

    with refusals():
        config = {"CPRO_SIECLE_HOST": host_name} if host_name else {}
        preflight = make_host(settings_from_mapping(config, os.environ)).check()
    click.echo(f"Vérification de la plateforme « {preflight.host} » :")
    for check in preflight.checks:
        mark = "OK" if check.ok else ("ÉCHEC" if check.blocking else "ATTENTION")
        click.echo(f"  [{mark}] {check.name} : {check.message}")
    if not preflight.ok:
        click.echo("Plateforme non prête : corrigez les points en échec avant d'importer.")
        sys.exit(EXIT_PROBLEMS)
    click.echo("Plateforme prête pour l'importation.")


# -- plan / apply (store helper) ------------------------------------------------------------

_FILES = click.argument("files", nargs=-1, required=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path))
_HOST = click.option("--host", "host_name", type=click.Choice(["embedded", "moodle"]),
                     default=None, help="Plateforme cible (par défaut : CPRO_SIECLE_HOST, "
                     "sinon la plateforme de démonstration).")


def _service(host_name: str | None, today: date) -> Any:
    """The service on the configured ledger and host."""
    from .adapters.factory import make_host
    from .service import SiecleService
    from .store import Ledger

    config = {"CPRO_SIECLE_HOST": host_name} if host_name else {}
    settings = settings_from_mapping(config, os.environ)
    return SiecleService(settings, Ledger(settings.database_url), make_host(settings), today=today)


def plan_summary(plan: Any) -> str:
    """A plan in a few French lines: school, files, counts per action, brake, warnings."""
    from .messages import ACTION_LABELS

    meta, year = plan.meta, plan.meta.get("year")
    lines = [f"Établissement {meta.get('uaj', '?')}"
             + (f", année {year}-{year + 1}" if isinstance(year, int) else "")
             + f" — fichiers : {', '.join(meta.get('files', ())) or '—'}"]
    if plan.is_empty:
        lines.append("Aucun changement : la plateforme est déjà à jour.")
    lines += [f"  {ACTION_LABELS.get(k, k)} : {n}" for k, n in plan.counts().items()]
    lines += [str((meta.get("brake") or {}).get("message") or "")]
    lines += [f"Avertissement : {w}" for w in meta.get("warnings", ())]
    lines.append(f"Empreinte du plan : {plan.checksum[:12]}…")
    return "\n".join(line for line in lines if line)


@main.command("rematch")
@click.argument("uaj")
@_HOST
def rematch_command(uaj: str, host_name: str | None) -> None:
    """Rattache l'établissement à la plateforme : comptes et cohortes retrouvés par idnumber.

    Pour passer volontairement un établissement sur une autre plateforme, ou le réparer après
    des comptes ou cohortes supprimés à la main : les absents seront créés par l'importation
    suivante, qui renvoie aussi les appartenances aux cohortes et les liens des responsables.
    """
    with refusals():
        counts = _service(host_name, date.today()).rematch(uaj.upper())
    click.echo(f"Établissement {uaj.upper()} rattaché à la plateforme : "
               f"{counts['people_found']} compte(s) retrouvé(s), {counts['people_missing']} "
               f"absent(s) (à recréer) ; {counts['cohorts_found']} cohorte(s) retrouvée(s), "
               f"{counts['cohorts_missing']} absente(s). Relancez l'importation des fichiers.")


@main.command("plan")
@_FILES
@click.option("--json", "as_json", is_flag=True, help="Plan complet en JSON.")
@new_school_option
@click.option("--force", is_flag=True, help="Accepter un fichier plus ancien que le dernier "
              "importé (année scolaire ou date d'export).")
@today_option
@_HOST
def plan_command(files: tuple[Path, ...], as_json: bool, new_school: bool, force: bool,
                 today: date, host_name: str | None) -> None:
    """Calcule le plan d'une importation sans rien modifier (essai à blanc)."""
    with refusals():
        plan = _service(host_name, today).plan([InputFile(p, p.name) for p in files],
                                               confirm=confirmations(new_school, force))
    if as_json:
        click.echo(json.dumps(plan.to_data(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo("Essai à blanc : rien n'est modifié.\n" + plan_summary(plan))


@main.command("apply")
@_FILES
@click.option("--force", is_flag=True, help="Passer outre le frein de sécurité, et accepter "
              "un fichier plus ancien que le dernier importé.")
@new_school_option
@today_option
@_HOST
def apply_command(files: tuple[Path, ...], force: bool, new_school: bool, today: date,
                  host_name: str | None) -> None:
    """Importe les fichiers : calcule le plan, l'applique et affiche le rapport à conserver."""
    from .reports import report_text

    user = f"ligne de commande ({os.environ.get('USER', '?')})"
    with refusals():
        service = _service(host_name, today)
        preview = service.preview([InputFile(p, p.name) for p in files], user,
                                  confirm=confirmations(new_school, force))
        if preview.resumed:
            from .messages import msg

            click.echo(msg("resumed", plan_id=preview.plan_id))
        click.echo(plan_summary(preview.plan) + "\n")
        plan_id, checksum = preview.plan_id, preview.checksum
        del preview  # apply reads the plan back from the ledger: keep one copy in memory
        try:
            outcome = service.apply(plan_id, checksum, user, force=force)
        except SafetyBrakeError as exc:
            click.echo(f"Erreur : {exc}\nEn ligne de commande, « forcer » s'écrit : relancez "
                       "la même commande avec --force.", err=True)
            sys.exit(EXIT_REFUSED)
        click.echo(report_text(service.report(outcome.run_id)))
    if not outcome.ok:
        click.echo(f"Importation incomplète : {outcome.error or ''} "
                   f"{len(outcome.failed)} opération(s) non faite(s) ; relancez la même "
                   "commande pour reprendre.", err=True)
        sys.exit(EXIT_PROBLEMS)


# -- « hors SIECLE » (tables helper) --------------------------------------------------------


@main.command("modele")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True, help="Un classeur, ou un fichier CSV par table.")
def template_command(folder: Path, fmt: str) -> None:
    """Écrit les modèles « hors SIECLE » à remplir (établissement, classes, personnels,
    élèves, responsables)."""
    from .tableur import TABLES, WORKBOOK_NAME, csv_bytes, workbook_bytes

    folder.mkdir(parents=True, exist_ok=True)
    written = {WORKBOOK_NAME: workbook_bytes()} if fmt == "xlsx" else {
        t.csv_name: csv_bytes(t) for t in TABLES}
    for name, data in written.items():
        (folder / name).write_bytes(data)
        click.echo(f"Modèle écrit : {folder / name}")


@main.command("etablissement")
@click.argument("uaj")
@click.option("--source", type=click.Choice(["siecle", "hors-siecle"]), default=None,
              help="Change la source des fichiers de l'établissement (acte explicite).")
def school_command(uaj: str, source: str | None) -> None:
    """Affiche la source des fichiers d'un établissement (SIECLE ou « hors SIECLE »), ou la
    change avec --source."""
    from .domain import SOURCE_LABELS
    from .store import Ledger

    with refusals():
        ledger = Ledger(cli_settings().database_url)
        try:
            uaj = uaj.strip().upper()
            if source is not None:
                ledger.set_source(uaj, source)
                click.echo(f"Établissement {uaj} : source changée en « {SOURCE_LABELS[source]} ».")
            school = ledger.school(uaj)
        finally:
            ledger.close()
    if school is None:
        click.echo(f"Établissement {uaj} : jamais importé (sa première importation fixera sa "
                   "source).")
        return
    click.echo(f"Établissement {uaj}{f' — {school.name}' if school.name else ''} : source "
               f"« {SOURCE_LABELS[school.source]} ».")


# -- locks (store helper) -------------------------------------------------------------------


def _utc(moment: Any) -> str:
    return f"{moment:%d/%m/%Y à %H:%M:%S} (UTC)"


@main.command("locks")
def locks_command() -> None:
    """Liste les verrous d'importation : qui, depuis quand, actif ou abandonné."""
    from .messages import lock_text
    from .store import Ledger

    with refusals():
        settings = cli_settings()
        ledger = Ledger(settings.database_url)
        held = ledger.locks(stale_after=settings.lock_stale_after)
        ledger.close()
    for lock in held:
        click.echo(lock_text(lock, _utc))
    if not held:
        click.echo("Aucun verrou d'importation : aucune importation en cours.")


@main.command("unlock")
@click.argument("uaj")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.option("--force", is_flag=True,
              help="Lever le verrou même s'il est encore actif (importation vivante).")
def unlock_command(uaj: str, yes: bool, force: bool) -> None:
    """Lève le verrou d'importation d'un établissement (UAJ/RNE) laissé par une importation
    arrêtée brutalement ; elle est marquée « interrompue »."""
    from .messages import lock_text, msg
    from .store import Ledger

    uaj = uaj.strip().upper()
    with refusals():
        settings = cli_settings()
        stale_after = settings.lock_stale_after
        ledger = Ledger(settings.database_url)
        try:
            lock = next((lk for lk in ledger.locks(stale_after=stale_after) if lk.uaj == uaj),
                        None)
            if lock is None:
                click.echo(msg("no_lock", uaj=uaj))
                return
            click.echo(lock_text(lock, _utc))
            if not lock.stale and not force:
                click.echo("Erreur : ce verrou est encore actif. Attendez la fin de "
                           "l'importation, ou relancez avec --force si vous êtes sûr qu'elle "
                           "est arrêtée.", err=True)
                sys.exit(EXIT_REFUSED)
            answer = "o" if yes else click.prompt("Lever ce verrou ? (o/n)", default="n")
            if answer.strip().lower() not in ("o", "oui", "y", "yes"):
                click.echo("Verrou conservé.")
                sys.exit(EXIT_PROBLEMS)
            ledger.unlock(uaj, stale_after=stale_after)
        finally:
            ledger.close()
    click.echo(msg("unlocked", uaj=uaj))


@main.command("purge")
def purge_command() -> None:
    """Supprime les données personnelles conservées au-delà des délais (aperçus non
    appliqués, importations interrompues, mots de passe initiaux, rapports)."""
    from .store import Ledger
    from .store.retention import Retention

    with refusals():
        settings = cli_settings()
        ledger = Ledger(settings.database_url)
        try:
            counts = ledger.purge(Retention.of(settings))
        finally:
            ledger.close()
    click.echo(f"Aperçus non appliqués supprimés : {counts['previews']}\n"
               f"Importations interrompues closes : {counts['interrupted']}\n"
               f"Rapports sans mots de passe initiaux : {counts['passwords']}\n"
               f"Rapports sans données personnelles : {counts['reports']}")

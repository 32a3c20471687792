"""The school's chosen source: SIECLE exports or its own tables, never one for the other."""

from __future__ import annotations

from dataclasses import replace

from ..domain import SOURCE_LABELS, SOURCE_SHEETS
from ..errors import Problem
from ..siecle.analyse import Analysis


def source_problem(analysis: Analysis, school_source: str | None) -> Analysis:
    """``analysis``, refused when its files are not of the school's source.

    :param school_source: the source the platform records for the files' school (``None``:
        a school never imported, which takes the source of its first import).
    """
    files_source = analysis.summary.get("source")
    uaj = analysis.summary.get("uaj")
    if school_source is None or files_source is None or files_source == school_source:
        return analysis
    to_do = ("déposez ses tableaux par « Fichiers hors SIECLE »" if school_source == SOURCE_SHEETS
             else "déposez ses exports SIECLE / STS-web")
    problem = Problem(
        "error", "wrong_source", f"l'établissement {uaj} est enregistré comme « "
        f"{SOURCE_LABELS[school_source]} » : ces fichiers « {SOURCE_LABELS[files_source]} » "
        f"sont refusés ; {to_do}, ou changez d'abord sa source (bouton « Changer la source » "
        "de la page « Fichiers hors SIECLE », ou cpro-siecle etablissement UAJ --source)",
        (analysis.summary.get("files") or [None])[0])
    summary = {**analysis.summary, "errors": analysis.summary.get("errors", 0) + 1}
    return replace(analysis, snapshot=None, problems=(problem, *analysis.problems),
                   summary=summary)

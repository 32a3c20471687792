"""Reader of the SIECLE students export ``ElevesSansAdresses.xml`` (root ``BEE_ELEVES``).

``ElevesAvecAdresses.xml`` has the same shape and is read the same way. Students (``ELEVE``)
come before their divisions and groups (``STRUCTURES_ELEVE``), so students are kept as small
dicts keyed by ``ELEVE_ID`` while the XML elements themselves are cleared as they go.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from ..domain import ElevesExport, Student
from ..errors import Problem
from ._fields import Findings, SchoolFields, identifier, names_present, parse_date, parse_year
from ._xml import Element, iter_elements, text

_TAGS: dict[str, str | None] = {
    "UAJ": "PARAMETRES", "ANNEE_SCOLAIRE": "PARAMETRES", "ELEVE": "ELEVES",
    "STRUCTURES_ELEVE": "STRUCTURES", "OPTION": "OPTIONS",
}
_INE_FIELDS = ("ID_NATIONAL", "INE_RNIE", "INE_BEA")


class _ElevesReader:
    """State of one streaming pass over a students file."""

    def __init__(self, filename: str) -> None:
        self.findings = Findings(filename)
        self.school = SchoolFields()
        self.students: list[dict[str, Any]] = []
        self.by_id: dict[str, list[dict[str, Any]]] = {}

    def feed(self, element: Element, line: int) -> None:
        tag = element.tag
        if tag == "UAJ":
            self.school.uaj = (element.text or "").strip() or None
        elif tag == "ANNEE_SCOLAIRE":
            self.school.year = parse_year((element.text or "").strip() or None,
                                          self.findings, line)
        elif tag == "ELEVE":
            self._eleve(element, line)
        elif tag == "STRUCTURES_ELEVE":
            self._structures(element, line)

    def _eleve(self, element: Element, line: int) -> None:
        eleve_id = identifier(element, "ELEVE_ID")
        if not eleve_id:
            self.findings.error("missing_id", "élève (ELEVE) sans identifiant ELEVE_ID", line)
            return
        last = text(element, "NOM_DE_FAMILLE") or text(element, "NOM")
        first = text(element, "PRENOM")
        who = f"élève {eleve_id}"
        names_present(last, first, who, self.findings, line)
        raw_birth = text(element, "DATE_NAISS")
        if raw_birth is None:
            self.findings.warning("missing_birth_date", f"{who} ({last} {first}) sans date de "
                                  "naissance : son mot de passe initial sera tiré au sort", line)
        ine = next((v for v in (text(element, f) for f in _INE_FIELDS) if v), None)
        fields = {
            "eleve_id": eleve_id, "elenoet": identifier(element, "ELENOET"), "ine": ine,
            "last_name": last or "", "usage_name": text(element, "NOM_USAGE"),
            "first_name": first or "",
            "birth_date": parse_date(raw_birth, False, f"date de naissance de l'{who}",
                                     self.findings, line),
            "sex": text(element, "CODE_SEXE"),
            "entry_date": parse_date(text(element, "DATE_ENTREE"), False,
                                     f"date d'entrée de l'{who}", self.findings, line),
            "leaving_date": parse_date(text(element, "DATE_SORTIE"), False,
                                       f"date de sortie de l'{who}", self.findings, line),
            "mef": text(element, "CODE_MEF"), "email": text(element, "MEL"),
            "division": None, "groups": [], "line": line,
        }
        self.students.append(fields)
        self.by_id.setdefault(eleve_id, []).append(fields)

    def _structures(self, element: Element, line: int) -> None:
        eleve_id = identifier(element, "ELEVE_ID")
        targets = self.by_id.get(eleve_id or "")
        if not targets:
            self.findings.warning("unknown_student", f"classes et groupes de l'élève "
                                  f"{eleve_id or '(sans ELEVE_ID)'}, absent des ELEVES", line)
            return
        for structure in element.iterfind("STRUCTURE"):
            code = text(structure, "CODE_STRUCTURE")
            kind = (text(structure, "TYPE_STRUCTURE") or "").upper()
            if not code:
                continue
            for student in targets:
                if kind == "D":
                    if student["division"] and student["division"] != code:
                        self.findings.warning(
                            "several_divisions", f"élève {eleve_id} dans deux classes "
                            f"(« {student['division']} » et « {code} ») : la première est "
                            "retenue", line)
                        continue
                    student["division"] = code
                elif code not in student["groups"]:
                    student["groups"].append(code)

    def result(self) -> ElevesExport:
        students = tuple(
            Student(**{k: v for k, v in s.items() if k not in ("groups", "line")},
                    groups=tuple(s["groups"]), source=self.findings.source(s["line"]))
            for s in self.students)
        return ElevesExport(self.school.freeze(), students, self.findings.filename)


def read_eleves(stream: BinaryIO, filename: str) -> tuple[ElevesExport, list[Problem]]:
    """Read a SIECLE students export.

    :param filename: name for messages (the uploaded name, and the zip member).
    :returns: the export and the problems of its records (bad dates, missing ids or names).
    :raises XmlError: the document is malformed or hostile.
    """
    reader = _ElevesReader(filename)
    for element, line in iter_elements(stream, filename, _TAGS):
        reader.feed(element, line)
    return reader.result(), reader.findings.problems

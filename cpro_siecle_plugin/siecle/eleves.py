"""Reader of the SIECLE students export ``ElevesSansAdresses.xml`` (root ``BEE_ELEVES``).

``ElevesAvecAdresses.xml`` has the same shape and is read the same way. Students (``ELEVE``)
come before their divisions and groups (``STRUCTURES_ELEVE``), so students are kept as small
dicts keyed by ``ELEVE_ID`` while the XML elements themselves are cleared as they go.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from ..domain import ElevesExport, Student
from ..errors import Problem
from ._fields import Findings, SchoolFields, identifier, names_present, parse_date
from ._xml import Element, attr, fields, iter_elements

_TAGS: dict[str, str | None] = {
    "UAJ": "PARAMETRES", "ANNEE_SCOLAIRE": "PARAMETRES", "DATE_EXPORT": "PARAMETRES",
    "HORODATAGE": "PARAMETRES", "ELEVE": "ELEVES",
    "STRUCTURES_ELEVE": "STRUCTURES", "OPTION": "OPTIONS",
}
_DIVISION, _GROUPS = 11, 12  # positions in a student row (Student's field order)


class _ElevesReader:
    """State of one streaming pass over a students file."""

    def __init__(self, filename: str) -> None:
        self.findings = Findings(filename)
        self.school = SchoolFields()
        self.students: list[list[Any]] = []
        self.by_id: dict[str, list[list[Any]]] = {}

    def feed(self, element: Element, line: int) -> None:
        tag = element.tag
        if self.school.read_siecle(element, self.findings, line):
            return
        if tag == "ELEVE":
            self._eleve(element, line)
        elif tag == "STRUCTURES_ELEVE":
            self._structures(element, line)

    def _eleve(self, element: Element, line: int) -> None:
        f = fields(element)
        eleve_id = attr(element, "ELEVE_ID") or f.get("ELEVE_ID")
        if not eleve_id:
            self.findings.error("missing_id", "élève (ELEVE) sans identifiant ELEVE_ID", line)
            return
        last, first = f.get("NOM_DE_FAMILLE") or f.get("NOM"), f.get("PRENOM")
        findings = self.findings
        names_present(last, first, "élève", eleve_id, findings, line)
        raw_birth = f.get("DATE_NAISS")
        if raw_birth is None:
            findings.warning("missing_birth_date", f"élève {eleve_id} ({last} {first}) sans date"
                             " de naissance : son mot de passe initial sera tiré au sort", line)
        # A list in Student's field order (far smaller than a dict); division and groups
        # are filled from STRUCTURES_ELEVE, which come after every ELEVE.
        row: list[Any] = [
            eleve_id, attr(element, "ELENOET") or f.get("ELENOET"),
            f.get("ID_NATIONAL") or f.get("INE_RNIE") or f.get("INE_BEA"),
            last or "", f.get("NOM_USAGE"), first or "",
            parse_date(raw_birth, False, "date de naissance de l'élève", eleve_id, findings, line),
            f.get("CODE_SEXE"),
            parse_date(f.get("DATE_ENTREE"), False, "date d'entrée de l'élève", eleve_id,
                       findings, line),
            parse_date(f.get("DATE_SORTIE"), False, "date de sortie de l'élève", eleve_id,
                       findings, line),
            f.get("CODE_MEF"), None, [], f.get("MEL"), line,
        ]
        self.students.append(row)
        self.by_id.setdefault(eleve_id, []).append(row)

    def _structures(self, element: Element, line: int) -> None:
        eleve_id = identifier(element, "ELEVE_ID")
        targets = self.by_id.get(eleve_id or "")
        if not targets:
            self.findings.warning("unknown_student", f"classes et groupes de l'élève "
                                  f"{eleve_id or '(sans ELEVE_ID)'}, absent des ELEVES", line)
            return
        for structure in element.iterchildren("STRUCTURE"):
            f = fields(structure)
            code = f.get("CODE_STRUCTURE")
            if not code:
                continue
            is_division = f.get("TYPE_STRUCTURE", "").upper() == "D"
            for row in targets:
                if not is_division:
                    if code not in row[_GROUPS]:
                        row[_GROUPS].append(code)
                elif row[_DIVISION] and row[_DIVISION] != code:
                    self.findings.warning(
                        "several_divisions", f"élève {eleve_id} dans deux classes "
                        f"(« {row[_DIVISION]} » et « {code} ») : la première est retenue", line)
                else:
                    row[_DIVISION] = code

    def result(self) -> ElevesExport:
        source = self.findings.source
        rows = self.students
        rows.reverse()
        self.by_id.clear()
        students = []
        while rows:  # consume the rows as records are built: no second copy at the peak
            row = rows.pop()
            students.append(Student(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                    row[7], row[8], row[9], row[10], row[_DIVISION],
                                    tuple(row[_GROUPS]), row[13], source(row[14])))
        return ElevesExport(self.school.freeze(), tuple(students), self.findings.filename)


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

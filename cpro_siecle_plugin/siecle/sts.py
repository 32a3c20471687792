"""Reader of the STS-web export ``sts_emp_{UAJ}_{year}.xml`` (root ``STS_EDT``).

Streams the school (UAJ, year, name), the subject and civility nomenclatures, every staff
member (``INDIVIDU``), the divisions and groups, and the services that link teachers to
them. ``INDIVIDUS`` come before ``STRUCTURE`` in the file, so services are gathered by
teacher id and attached when the file is done (staff lists are small).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, BinaryIO

from ..domain import Discipline, Service, Staff, StaffRole, Structure, StsExport, Subject
from ..errors import Problem
from ._fields import Findings, SchoolFields, identifier, names_present, parse_date, parse_year
from ._xml import Element, attr, iter_elements, text

_TAGS: dict[str, str | None] = {
    "UAJ": "PARAMETRES", "ANNEE_SCOLAIRE": "PARAMETRES", "DATE_EXPORT": "PARAMETRES",
    "HORODATAGE": "PARAMETRES", "MATIERE": "MATIERES",
    "CIVILITE": "CIVILITES", "INDIVIDU": "INDIVIDUS", "DIVISION": "DIVISIONS",
    "GROUPE": "GROUPES", "MEF": "MEFS",
}
#: FONCTION code → role; any other code, or none, is "other staff" (kept, never dropped).
ROLES = {"ENS": StaffRole.TEACHER, "DIR": StaffRole.HEAD}


def _structure_code(element: Element) -> str | None:
    return (attr(element, "CODE") or attr(element, "CODE_STRUCTURE")
            or text(element, "CODE_STRUCTURE"))


def _services(element: Element, code: str) -> list[tuple[str, str, str | None]]:
    """(teacher id, subject code, course mode) of each service under a division or group."""
    found = []
    for service in element.iterfind("SERVICES/SERVICE"):
        subject = attr(service, "CODE_MATIERE") or ""
        mode = attr(service, "CODE_MOD_COURS")
        for teacher in service.iterfind("ENSEIGNANTS/ENSEIGNANT"):
            teacher_id = identifier(teacher, "ID")
            if teacher_id:
                found.append((teacher_id, subject, mode))
    return found


class _StsReader:
    """State of one streaming pass over an STS file."""

    def __init__(self, filename: str) -> None:
        self.findings = Findings(filename)
        self.school = SchoolFields()
        self.subjects: dict[str, str] = {}
        self.civilities: dict[str, str] = {}
        self.staff: list[tuple[dict[str, Any], int]] = []
        self.structures: list[Structure] = []
        self.services: dict[str, list[tuple[str, str, str | None, int]]] = defaultdict(list)

    def feed(self, element: Element, line: int) -> None:
        tag = element.tag
        if self.school.read_export_time(element):
            return
        if tag == "UAJ":
            self.school.uaj = attr(element, "CODE") or (element.text or "").strip() or None
            parts = [text(element, "DENOM_PRINC"), text(element, "DENOM_COMPL")]
            self.school.name = " ".join(p for p in parts if p) or None
        elif tag == "ANNEE_SCOLAIRE":
            raw = attr(element, "ANNEE") or (element.text or "").strip() or None
            self.school.year = parse_year(raw, self.findings, line)
        elif tag == "MATIERE" and attr(element, "CODE"):
            code = attr(element, "CODE") or ""
            self.subjects[code] = (text(element, "LIBELLE_LONG") or text(element, "LIBELLE_EDITION")
                                   or text(element, "LIBELLE_COURT") or code)
        elif tag == "CIVILITE" and attr(element, "CODE"):
            code = attr(element, "CODE") or ""
            self.civilities[code] = (text(element, "LIBELLE_COURT")
                                     or text(element, "LIBELLE_LONG") or code)
        elif tag == "INDIVIDU":
            self._individu(element, line)
        elif tag in ("DIVISION", "GROUPE"):
            self._structure(element, line, tag == "GROUPE")

    def _individu(self, element: Element, line: int) -> None:
        sts_id = identifier(element, "ID")
        if not sts_id:
            self.findings.error("missing_id", "personnel (INDIVIDU) sans identifiant ID", line)
            return
        last = text(element, "NOM_USAGE") or text(element, "NOM_PATRONYMIQUE")
        first = text(element, "PRENOM")
        names_present(last, first, "personnel", sts_id, self.findings, line)
        birth = parse_date(text(element, "DATE_NAISSANCE"), True, "date de naissance du personnel",
                           sts_id, self.findings, line)
        disciplines = tuple(
            Discipline(attr(d, "CODE") or "", text(d, "LIBELLE_COURT") or attr(d, "CODE") or "")
            for d in element.iterfind("DISCIPLINES/DISCIPLINE"))
        self.staff.append(({
            "sts_id": sts_id, "civility": text(element, "CIVILITE"), "last_name": last or "",
            "birth_name": text(element, "NOM_PATRONYMIQUE"), "first_name": first or "",
            "birth_date": birth, "function": text(element, "FONCTION"),
            "disciplines": disciplines,
        }, line))

    def _structure(self, element: Element, line: int, is_group: bool) -> None:
        code = _structure_code(element)
        what = "groupe" if is_group else "division"
        if not code:
            self.findings.error("missing_id", f"{what} sans code (CODE)", line)
            return
        divisions: tuple[str, ...] = ()
        if is_group:
            divisions = tuple(c for c in (_structure_code(d) for d in element.iterfind(
                "DIVISIONS_APPARTENANCE/DIVISION_APPARTENANCE")) if c)
        label = text(element, "LIBELLE_LONG") or text(element, "LIBELLE_COURT") or code
        self.structures.append(Structure(code, label, is_group, divisions,
                                         self.findings.source(line)))
        for teacher_id, subject, mode in _services(element, code):
            self.services[teacher_id].append((code, subject, mode, line))

    def result(self) -> StsExport:
        staff = []
        known = {fields["sts_id"] for fields, _ in self.staff}
        for teacher_id, services in self.services.items():
            if teacher_id not in known:
                self.findings.warning(
                    "unknown_teacher", f"service de « {services[0][0]} » attribué au personnel "
                    f"{teacher_id}, absent des INDIVIDUS", services[0][3])
        for fields, line in self.staff:
            raw_civility = fields.pop("civility")
            function = fields["function"]
            taught = tuple(
                Service(code, subject, self.subjects.get(subject, subject), mode)
                for code, subject, mode, _ in self.services.get(fields["sts_id"], ()))
            staff.append(Staff(
                civility=self.civilities.get(raw_civility or "", raw_civility),
                role=ROLES.get((function or "").upper(), StaffRole.OTHER), services=taught,
                source=self.findings.source(line), **fields))
        subjects = tuple(Subject(code, label) for code, label in self.subjects.items())
        return StsExport(self.school.freeze(), tuple(self.structures), tuple(staff), subjects,
                         self.findings.filename)


def read_sts(stream: BinaryIO, filename: str) -> tuple[StsExport, list[Problem]]:
    """Read an STS-web export.

    :param filename: name for messages (the uploaded name, and the zip member).
    :returns: the export and the problems of its records (bad dates, missing ids or names).
    :raises XmlError: the document is malformed or hostile.
    """
    reader = _StsReader(filename)
    for element, line in iter_elements(stream, filename, _TAGS):
        reader.feed(element, line)
    return reader.result(), reader.findings.problems

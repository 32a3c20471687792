"""Reader of the SIECLE guardians export ``ResponsablesAvecAdresses.xml`` (``BEE_RESPONSABLES``).

Persons (``PERSONNE``), then student–person links (``RESPONSABLE_ELEVE``), then addresses
(``ADRESSE``) referred to by ``ADRESSE_ID``. Both link shapes are read: ``RESP_LEGAL`` (1, 2
legal guardians, 0 other contact) and, in files since about 2018, ``NIVEAU_RESPONSABILITE``
(1 legal guardian, 2 person in charge, 3 contact) with ``true``/``false`` flags.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from ..domain import Guardian, GuardianLink, ResponsablesExport
from ..errors import Problem
from ._fields import Findings, SchoolFields, identifier, names_present, parse_int
from ._xml import Element, attr, fields, iter_elements

_TAGS: dict[str, str | None] = {
    "UAJ": "PARAMETRES", "ANNEE_SCOLAIRE": "PARAMETRES", "DATE_EXPORT": "PARAMETRES",
    "HORODATAGE": "PARAMETRES", "PERSONNE": "PERSONNES",
    "RESPONSABLE_ELEVE": "RESPONSABLES", "ADRESSE": "ADRESSES",
}
#: CODE_CIVILITE when no LC_CIVILITE label is given.
CIVILITY_CODES = {"1": "M.", "2": "MME", "3": "MLLE"}
_ADDRESS_LINES = ("LIGNE1_ADRESSE", "LIGNE2_ADRESSE", "LIGNE3_ADRESSE", "LIGNE4_ADRESSE")


def _address(element: Element) -> str | None:
    """One line: street lines, then postcode and town, then a foreign town or country."""
    f = fields(element)
    lines = [f[tag] for tag in _ADDRESS_LINES if tag in f]
    town = " ".join(v for v in (f.get("CODE_POSTAL"), f.get("LIBELLE_POSTAL")) if v)
    foreign = f.get("COMMUNE_ETRANGERE")
    country = f.get("LL_PAYS")
    parts = lines + [p for p in (town, foreign) if p]
    if country and country.upper() != "FRANCE":
        parts.append(country)
    return ", ".join(parts) or None


class _ResponsablesReader:
    """State of one streaming pass over a guardians file."""

    def __init__(self, filename: str) -> None:
        self.findings = Findings(filename)
        self.school = SchoolFields()
        self.persons: list[list[Any]] = []
        self.links: list[GuardianLink] = []
        self.addresses: dict[str, str] = {}

    def feed(self, element: Element, line: int) -> None:
        tag = element.tag
        if self.school.read_siecle(element, self.findings, line):
            return
        if tag == "PERSONNE":
            self._personne(element, line)
        elif tag == "RESPONSABLE_ELEVE":
            self._link(element, line)
        elif tag == "ADRESSE":
            address_id = identifier(element, "ADRESSE_ID")
            value = _address(element)
            if address_id and value:
                self.addresses[address_id] = value

    def _personne(self, element: Element, line: int) -> None:
        f = fields(element)
        personne_id = attr(element, "PERSONNE_ID") or f.get("PERSONNE_ID")
        if not personne_id:
            self.findings.error("missing_id", "responsable (PERSONNE) sans identifiant "
                                "PERSONNE_ID", line)
            return
        last = f.get("NOM_DE_FAMILLE") or f.get("NOM")
        first = f.get("PRENOM")
        names_present(last, first, "responsable", personne_id, self.findings, line)
        code = f.get("CODE_CIVILITE")
        # A list in Guardian's field order (far smaller than a dict); the address is
        # resolved at the end, since ADRESSES come after PERSONNES.
        self.persons.append([
            personne_id, f.get("LC_CIVILITE") or CIVILITY_CODES.get(code or "", code),
            last or "", f.get("NOM_USAGE"), first or "", f.get("MEL"),
            f.get("TEL_PORTABLE") or f.get("TEL_PERSONNEL") or f.get("TEL_PROFESSIONNEL"),
            f.get("ADRESSE_ID"), line,
        ])

    def _link(self, element: Element, line: int) -> None:
        f = fields(element)
        eleve_id, personne_id = f.get("ELEVE_ID"), f.get("PERSONNE_ID")
        if not eleve_id or not personne_id:
            self.findings.error("missing_id", "lien élève–responsable (RESPONSABLE_ELEVE) sans "
                                "ELEVE_ID ou sans PERSONNE_ID", line)
            return
        raw_legal, raw_level = f.get("RESP_LEGAL"), f.get("NIVEAU_RESPONSABILITE")
        legal, level = parse_int(raw_legal), parse_int(raw_level)
        if (raw_legal and legal is None) or (raw_level and level is None):
            self.findings.warning("bad_link_level", f"niveau de responsabilité illisible "
                                  f"(« {raw_legal or raw_level} ») entre l'élève {eleve_id} et "
                                  f"le responsable {personne_id} : lien non légal", line)
        self.links.append(GuardianLink(eleve_id, personne_id, legal, level,
                                       f.get("CODE_PARENTE"), self.findings.source(line)))

    def result(self) -> ResponsablesExport:
        known = {p[0] for p in self.persons}
        for link in self.links:
            if link.personne_id not in known:
                self.findings.warning("unknown_person", f"lien de l'élève {link.eleve_id} vers "
                                      f"le responsable {link.personne_id}, absent des PERSONNES",
                                      link.source.line if link.source else None)
        addresses, source, rows = self.addresses, self.findings.source, self.persons
        rows.reverse()
        guardians = []
        while rows:  # consume the rows as records are built: no second copy at the peak
            row = rows.pop()
            guardians.append(Guardian(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                      addresses.get(row[7] or ""), source(row[8])))
        addresses.clear()
        return ResponsablesExport(self.school.freeze(), tuple(guardians), tuple(self.links),
                                  self.findings.filename)


def read_responsables(stream: BinaryIO, filename: str) -> tuple[ResponsablesExport, list[Problem]]:
    """Read a SIECLE guardians export.

    :param filename: name for messages (the uploaded name, and the zip member).
    :returns: the export and the problems of its records (missing ids or names, bad levels).
    :raises XmlError: the document is malformed or hostile.
    """
    reader = _ResponsablesReader(filename)
    for element, line in iter_elements(stream, filename, _TAGS):
        reader.feed(element, line)
    return reader.result(), reader.findings.problems

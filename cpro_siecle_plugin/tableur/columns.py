"""The tables of the « hors SIECLE » templates: their French headers, formats and examples.

One description serves the templates the admin downloads (:mod:`.templates`) and the readers
(:mod:`.records`), so a header written in a template is always one the reader knows. Headers
are matched loosely: case, accents, spaces and a trailing ``*`` do not matter.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass


class TableKind(enum.Enum):
    """The five tables a school fills in."""

    SCHOOL = "etablissement"
    CLASSES = "classes"
    STAFF = "personnels"
    STUDENTS = "eleves"
    GUARDIANS = "responsables"


@dataclass(frozen=True)
class Column:
    """One column: internal key, French header, whether it is required, and its format."""

    key: str
    header: str
    required: bool
    fmt: str


@dataclass(frozen=True)
class Table:
    """One table: its sheet (and CSV file) name and columns; the first column identifies it.

    ``examples`` are the template's example rows, one value per column.
    """

    kind: TableKind
    title: str
    columns: tuple[Column, ...]
    examples: tuple[tuple[str, ...], ...] = ()

    @property
    def csv_name(self) -> str:
        """File name of the table in the CSV templates."""
        return f"{self.kind.value}.csv"


_ID = "texte sans espace (lettres, chiffres, . _ -), obligatoire, unique"
_DATE = "date jj/mm/aaaa"
_LIST = "codes séparés par des virgules"

TABLES: tuple[Table, ...] = (
    Table(TableKind.SCHOOL, "Établissement", (
        Column("uaj", "UAJ", True, "code de l'établissement : 7 chiffres et une lettre, "
               "obligatoire"),
        Column("name", "Nom de l'établissement", False, "texte"),
        Column("year", "Année scolaire", True, "aaaa-aaaa (année de la rentrée, puis la "
               "suivante)"),
    ), (("0771234A", "CFA des métiers (exemple)", "2025-2026"),)),
    Table(TableKind.CLASSES, "Classes", (
        Column("code", "Code classe ou groupe", True, "texte court, obligatoire, unique"),
        Column("label", "Libellé", False, "texte"),
        Column("type", "Type", False, "« classe » ou « groupe » (vide : classe)"),
        Column("divisions", "Classes du groupe", False, f"pour un groupe : {_LIST}"),
    ), (("EXEMPLE-CLASSE", "CAP cuisine 1re année", "classe", ""),
        ("EXEMPLE-GROUPE", "Atelier, groupe 1", "groupe", "EXEMPLE-CLASSE"))),
    Table(TableKind.STAFF, "Personnels", (
        Column("id", "Identifiant personnel", True, _ID),
        Column("civility", "Civilité", False, "M. ou Mme"),
        Column("last_name", "Nom", True, "texte, obligatoire"),
        Column("first_name", "Prénom", True, "texte, obligatoire"),
        Column("birth_date", "Date de naissance", False, f"{_DATE} (mot de passe initial ; "
               "vide : mot de passe généré)"),
        Column("function", "Fonction", True, "« enseignant », « direction » ou autre "
               "fonction, obligatoire"),
        Column("disciplines", "Disciplines", False, "libellés séparés par des virgules"),
        Column("classes", "Classes et groupes enseignés", False, _LIST),
    ), (("EXEMPLE-P1", "Mme", "Lefèvre", "Hélène", "14/03/1980", "enseignant",
         "Cuisine, Hygiène", "EXEMPLE-CLASSE, EXEMPLE-GROUPE"),)),
    Table(TableKind.STUDENTS, "Élèves", (
        Column("id", "Identifiant élève", True, _ID),
        Column("ine", "INE", False, "identifiant national : 11 caractères, si connu"),
        Column("last_name", "Nom", True, "texte, obligatoire"),
        Column("usage_name", "Nom d'usage", False, "texte"),
        Column("first_name", "Prénom", True, "texte, obligatoire"),
        Column("birth_date", "Date de naissance", True, f"{_DATE}, obligatoire (mot de passe "
               "initial)"),
        Column("sex", "Sexe", False, "F ou M"),
        Column("division", "Classe", False, "code d'une classe de la feuille Classes "
               "(vide : pas de compte)"),
        Column("groups", "Groupes", False, f"{_LIST} (feuille Classes)"),
        Column("entry_date", "Date d'entrée", False, _DATE),
        Column("leaving_date", "Date de sortie", False, f"{_DATE} (vide : présent)"),
        Column("email", "Courriel", False, "adresse électronique"),
    ), (("EXEMPLE-E1", "123456789AB", "Benoît", "", "Zoé", "02/09/2008", "F", "EXEMPLE-CLASSE",
         "EXEMPLE-GROUPE", "01/09/2025", "", ""),)),
    Table(TableKind.GUARDIANS, "Responsables", (
        Column("id", "Identifiant responsable", True, _ID),
        Column("civility", "Civilité", False, "M. ou Mme"),
        Column("last_name", "Nom", True, "texte, obligatoire"),
        Column("first_name", "Prénom", True, "texte, obligatoire"),
        Column("email", "Courriel", False, "adresse électronique"),
        Column("phone", "Téléphone", False, "texte"),
        Column("students", "Identifiants des élèves", True, "identifiants de la feuille Élèves, "
               "séparés par des virgules, obligatoire"),
        Column("legal", "Responsable légal", False, "oui ou non (vide : oui)"),
    ), (("EXEMPLE-R1", "M.", "Benoît", "François", "f.benoit@example.org", "06 12 34 56 78",
         "EXEMPLE-E1", "oui"),)),
)

TABLE_BY_KIND = {t.kind: t for t in TABLES}
#: First cell of the format row that follows the header in the templates (skipped on reading).
FORMAT_PREFIX = "Format : "
#: Identifier of the example rows of the templates (skipped on reading, with a warning).
EXAMPLE_IDS = frozenset({"EXEMPLE-CLASSE", "EXEMPLE-GROUPE", "EXEMPLE-P1", "EXEMPLE-E1",
                         "EXEMPLE-R1"})


def fold(text: str) -> str:
    """A header or name folded for loose matching: lowercase, no accents, single spaces."""
    text = unicodedata.normalize("NFKD", text.strip().rstrip("*").strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().replace("’", "'").split())


def recognise(headers: list[str], name: str) -> Table | None:
    """The table whose identifying (first) header is among ``headers``, else the one whose
    title or CSV name is ``name`` (sheet or file name), else ``None``."""
    folded = {fold(h) for h in headers if h}
    for table in TABLES:
        if fold(table.columns[0].header) in folded:
            return table
    stem = fold(name.rsplit(".", 1)[0] if name.lower().endswith(".csv") else name)
    for table in TABLES:
        if stem in (fold(table.title), table.kind.value):
            return table
    return None

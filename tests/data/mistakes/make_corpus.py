"""Rewrite the corpus of mistakes from the shared samples.

Run ``python tests/data/mistakes/make_corpus.py``. Each file is a sample export with one real
mistake; README.md says what each must give, ``tests/test_mistakes_corpus.py`` checks it.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[3] / "shared" / "siecle-samples"
STS = "sts_emp_0691234X_2025.xml"


def _read(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("iso-8859-15")


def _write(folder: str, name: str, text: str, encoding: str = "iso-8859-15") -> None:
    (HERE / folder).mkdir(exist_ok=True)
    if encoding != "iso-8859-15":
        text = text.replace('encoding="ISO-8859-15"', f'encoding="{encoding.upper()}"')
    (HERE / folder / name).write_bytes(text.encode(encoding))


def _drop_students(text: str, division: str) -> str:
    """The Eleves text without the students of ``division``."""
    ids = [m.group(1) for m in re.finditer(
        r'<STRUCTURES_ELEVE ELEVE_ID="(\d+)"[^>]*>(?:(?!</STRUCTURES_ELEVE>).)*?'
        rf"<CODE_STRUCTURE>{division}</CODE_STRUCTURE>", text, flags=re.S)]
    for gone in ids:
        text = re.sub(rf'<ELEVE ELEVE_ID="{gone}".*?</ELEVE>\n', "", text, flags=re.S)
        text = re.sub(rf'<STRUCTURES_ELEVE ELEVE_ID="{gone}".*?</STRUCTURES_ELEVE>\n', "",
                      text, flags=re.S)
    return text


def main() -> None:
    sts, eleves = _read(STS), _read("ElevesSansAdresses.xml")
    _write("other_school_sts", "sts_emp_0759999Z_2025.xml",
           sts.replace('CODE="0691234X"', 'CODE="0759999Z"').replace("JEAN MOULIN", "VOLTAIRE"))
    _write("other_school_eleves", "ElevesSansAdresses.xml",
           eleves.replace("<UAJ>0691234X</UAJ>", "<UAJ>0759999Z</UAJ>"))
    _write("older_year_sts", "sts_emp_0691234X_2024.xml",
           sts.replace('ANNEE="2025"', 'ANNEE="2024"').replace("/2025<", "/2024<")
           .replace("/2026<", "/2025<"))
    _write("older_year_eleves", "ElevesSansAdresses.xml",
           eleves.replace("<ANNEE_SCOLAIRE>2025<", "<ANNEE_SCOLAIRE>2024<")
           .replace("12/09/2025", "12/09/2024"))
    _write("older_export_eleves", "ElevesSansAdresses.xml",
           eleves.replace("<DATE_EXPORT>12/09/2025<", "<DATE_EXPORT>01/09/2025<")
           .replace("<HORODATAGE>12/09/2025 10:11:12<", "<HORODATAGE>01/09/2025 08:30:00<"))
    first = re.search(r"<PRENOM>([^<]*)</PRENOM>", eleves)
    assert first is not None
    _write("zero_width_names", "ElevesSansAdresses.xml",
           eleves.replace(first.group(0), "<PRENOM>\u200b\u200d\ufeff</PRENOM>", 1), "utf-8")
    _write("colliding_codes", STS, sts.replace('GROUPE CODE="ESP1"', 'GROUPE CODE="2NDE1"'))
    year_two = (eleves.replace("<ANNEE_SCOLAIRE>2025<", "<ANNEE_SCOLAIRE>2026<")
                .replace("12/09/2025", "04/09/2026"))
    _write("truncated_year_change", "ElevesSansAdresses.xml",
           _drop_students(_drop_students(year_two, "TLE1"), "1ERE1"))


if __name__ == "__main__":
    main()

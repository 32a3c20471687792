"""CSV files as Excel and LibreOffice write them: encoding and separator recognised.

Encodings: UTF-8 (with or without the BOM Excel's « CSV UTF-8 » writes), Windows-1252 (Excel's
plain « CSV »), UTF-16 with a BOM (Excel's « Texte Unicode », tab-separated). Separators:
``;`` (French Excel), ``,`` or tab, recognised on the header line, which holds no quoted
separator. A file whose accents were converted twice (« Ã© » for « é ») is refused: reading
it would create accounts with garbled names.
"""

from __future__ import annotations

import csv
import io
import re

from ..errors import InputError
from .sheet import MAX_COLUMNS, MAX_ROWS, Sheet, Value, is_blank

_SEPARATORS = (";", ",", "\t")
#: What the second byte of a UTF-8 accent looks like once read as Windows-1252.
_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_DOUBLE_ENCODED = re.compile(f"[ÃÂ][{re.escape(_CONTINUATION)}]")


def decode(data: bytes, label: str) -> str:
    """The text of a CSV file, in whichever encoding Excel may have saved it.

    :raises InputError: a binary file, or bytes that are neither UTF-8 nor Windows-1252.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(label, "fichier UTF-16 illisible (enregistrement interrompu ?)") \
                from None
    if b"\x00" in data[:4096]:
        raise InputError(label, "ce n'est pas un fichier texte CSV (contenu binaire) : "
                                "enregistrez le tableau au format « CSV UTF-8 » ou .xlsx")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(label, f"encodage non reconnu (octet 0x{data[exc.start]:02X}) : "
                                "enregistrez le fichier au format « CSV UTF-8 »", line) from None


def _check_double_encoding(text: str, label: str) -> None:
    found = _DOUBLE_ENCODED.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise InputError(label, f"texte mal encodé (« {found.group()} » au lieu d'une lettre "
                                "accentuée) : le fichier a été converti deux fois ; repartez du "
                                "tableau d'origine et enregistrez-le au format « CSV UTF-8 »",
                         line)


def separator(text: str) -> str:
    """The separator of the header line (the first non-empty one); ``;`` when in doubt."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def read_csv(data: bytes, label: str) -> Sheet:
    """The rows of a CSV file, each with its line number (blank rows dropped).

    :raises InputError: unreadable encoding, garbled accents, or more than
        :data:`~.sheet.MAX_ROWS` rows.
    """
    text = decode(data, label)
    _check_double_encoding(text, label)
    sheet = Sheet(label, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))
    start = 1
    try:
        for record in reader:
            values: list[Value] = [cell.strip() for cell in record[:MAX_COLUMNS]]
            if not all(is_blank(v) for v in values):
                if len(sheet.rows) >= MAX_ROWS:
                    raise InputError(label, f"plus de {MAX_ROWS} lignes : fichier refusé "
                                            "(un établissement n'en a pas tant)", start)
                sheet.rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(label, f"fichier CSV mal formé ({exc})", start) from None
    return sheet

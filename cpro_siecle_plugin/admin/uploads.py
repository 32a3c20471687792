"""Uploaded files, saved to a private temporary folder for as long as a request needs them.

Werkzeug already streams large request bodies to disk; here each upload is copied in chunks
to a folder of its own, handed to the core as ``InputFile`` values, and the folder is removed
when the ``with`` block ends, whatever happens. Each upload field is a *slot* that accepts
some exports only: a file is recognised by its content (root element), not by its name.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from werkzeug.datastructures import FileStorage

from ..config import Settings
from ..domain import ExportKind
from ..errors import InputError, WrongSlotError
from ..messages import msg
from ..siecle.archive import InputFile, read_sources
from ..tableur.intake import SHEET_SUFFIXES

#: Extensions accepted for every slot; the kind of file is recognised from its content.
ALLOWED_SUFFIXES = (".xml", ".zip")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Slot:
    """An upload field: the exports it may hold, and the one it must hold."""

    allowed: frozenset[ExportKind]
    needed: ExportKind


STS_SLOT = Slot(frozenset({ExportKind.STS}), ExportKind.STS)
#: The Eleves slot also takes one zip holding both student exports.
ELEVES_SLOT = Slot(frozenset({ExportKind.ELEVES, ExportKind.RESPONSABLES}), ExportKind.ELEVES)
RESPONSABLES_SLOT = Slot(frozenset({ExportKind.RESPONSABLES}), ExportKind.RESPONSABLES)


def display_name(storage: FileStorage) -> str:
    """The name the admin gave the file, without any directory part (for messages)."""
    raw = (storage.filename or "fichier").replace("\\", "/")
    return raw.rsplit("/", 1)[-1] or "fichier"


def _checked_suffix(name: str, slot: Slot | None) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in (ALLOWED_SUFFIXES if slot is not None else SHEET_SUFFIXES):
        raise InputError(name, msg("bad_extension" if slot is not None else "bad_sheet_extension"))
    return suffix


def check_slot(file: InputFile, slot: Slot, settings: Settings) -> None:
    """Refuse a file that does not hold the export its field is for.

    :raises InputError: unreadable or hostile file (its French message names it).
    :raises WrongSlotError: the file holds another export.
    """
    # Every kind is read here and judged below, so each slot refusal has the same wording.
    kinds = {source.kind for source in read_sources(file, settings)}
    if slot.needed not in kinds or not kinds <= slot.allowed:
        stray = (kinds - slot.allowed) or kinds
        found = " et l'".join(sorted(k.label for k in stray))
        raise WrongSlotError(file.name, msg("wrong_slot", found=found, needed=slot.needed.label))


@contextmanager
def saved_uploads(
    uploads: Iterable[tuple[FileStorage | None, Slot | None]], settings: Settings
) -> Iterator[list[InputFile]]:
    """Save the non-empty ``uploads`` to a temporary folder removed on exit, slots checked.

    :param uploads: (file from ``request.files``, its slot); empty fields are skipped. A slot
        ``None`` is a « hors SIECLE » table (``.csv``, ``.xlsx``), recognised when read.
    :returns: a context manager yielding one ``InputFile`` per saved upload.
    :raises InputError: a file is not ``.xml``/``.zip``, is unreadable, or is in the wrong slot.
    """
    with tempfile.TemporaryDirectory(prefix="cpro_siecle_") as folder:
        files: list[InputFile] = []
        for index, (storage, slot) in enumerate(uploads):
            if not storage or not storage.filename:
                continue
            name = display_name(storage)
            safe = _UNSAFE.sub("_", Path(name).stem)[:60] or "fichier"
            path = Path(folder) / f"{index}_{safe}{_checked_suffix(name, slot)}"
            storage.save(path)
            files.append(InputFile(path=path, name=name))
            if slot is not None:
                check_slot(files[-1], slot, settings)
        yield files

"""File intake: each uploaded file is an XML document or a zip of them, recognised by content.

A file is a zip when it starts with the zip magic bytes, whatever its name. Inside a zip, the
XML members are found whatever their case or folder (``Export/ELEVESSANSADRESSE.XML``). Each
document is recognised by its root element (``STS_EDT``, ``BEE_ELEVES``, ``BEE_RESPONSABLES``),
never by its name. Nothing is ever extracted to disk: members are streamed straight into the
parser, and the zip limits (member count, uncompressed size, compression ratio) are checked on
the bytes as they come out of the decompressor, not only on what the headers claim.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from ..config import Settings
from ..domain import ExportKind
from ..errors import ArchiveError, InputError, WrongSlotError, XmlError
from ._xml import root_tag

log = logging.getLogger(__name__)

#: Root element → export.
KIND_BY_ROOT = {
    "STS_EDT": ExportKind.STS,
    "BEE_ELEVES": ExportKind.ELEVES,
    "BEE_RESPONSABLES": ExportKind.RESPONSABLES,
}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: The ratio is judged once this many bytes came out: tiny members may compress very well.
_RATIO_FLOOR = 1024 * 1024
_MB = 1024 * 1024


def _damaged(exc: BaseException) -> str:
    """The French refusal of a damaged zip; the library's English detail goes to the log."""
    log.info("damaged zip: %s", exc)
    return "archive zip tronquée ou corrompue : téléchargez-la ou exportez-la à nouveau"


def _unreadable(exc: OSError) -> str:
    """The French refusal of a file the system cannot read; its detail goes to the log."""
    log.info("unreadable file: %s", exc.strerror or exc)
    return "fichier illisible : déposez-le à nouveau"


@dataclass(frozen=True)
class InputFile:
    """A file given by the admin: where it is on disk and the name it was uploaded as."""

    path: Path
    name: str


@dataclass(frozen=True)
class XmlSource:
    """One XML document to read: a plain file, or a member of a zip file."""

    file: InputFile
    kind: ExportKind
    member: str | None = None
    settings: Settings | None = None

    @property
    def label(self) -> str:
        """Name used in messages: the uploaded name, and the member for a zip."""
        return f"{self.file.name} ({self.member})" if self.member else self.file.name

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """Stream the document's bytes (zip limits checked while reading)."""
        with _open_document(self.file, self.member, self.settings or Settings()) as stream:
            yield stream


class _LimitedReader:
    """Counts the bytes coming out of a zip member and stops at the limits."""

    def __init__(self, raw: IO[bytes], label: str, compressed: int, settings: Settings) -> None:
        self._raw = raw
        self._label = label
        self._compressed = max(compressed, 1)
        self._settings = settings
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        try:
            chunk = self._raw.read(size if size and size > 0 else 64 * 1024)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ArchiveError(self._label, _damaged(exc)) from None
        self.count += len(chunk)
        if self.count > self._settings.zip_max_uncompressed:
            raise ArchiveError(self._label, _too_big(self._settings))
        ratio = self.count / self._compressed
        if self.count > _RATIO_FLOOR and ratio > self._settings.zip_max_ratio:
            raise ArchiveError(self._label, _too_compressed(ratio, self._settings))
        return chunk


def _too_big(settings: Settings) -> str:
    return ("archive refusée : une fois décompressée, elle dépasse la taille autorisée "
            f"({settings.zip_max_uncompressed // _MB} Mo) — possible bombe de décompression")


def _too_compressed(ratio: float, settings: Settings) -> str:
    return (f"archive refusée : taux de compression anormal ({ratio:.0f} pour 1, maximum "
            f"{settings.zip_max_ratio}) — possible bombe de décompression")


def is_zip(path: Path) -> bool:
    """True when the file starts with the zip magic bytes (its name does not matter)."""
    with path.open("rb") as handle:
        return handle.read(4) in _ZIP_MAGIC


def _unsafe_name(name: str) -> bool:
    """Absolute paths, drive letters and ``..`` would escape a folder if ever extracted."""
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":")


def _checked_members(archive: zipfile.ZipFile, label: str, settings: Settings,
                     max_members: int | None = None) -> list[zipfile.ZipInfo]:
    """The members, after the checks that the central directory allows."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    most = max_members or settings.zip_max_members
    if len(members) > most:
        raise ArchiveError(label, f"l'archive contient {len(members)} fichiers, au-delà du "
                                  f"maximum autorisé ({most})")
    for info in members:
        if _unsafe_name(info.filename):
            raise ArchiveError(label, f"nom de fichier dangereux dans l'archive : "
                                      f"« {info.filename} » (chemin hors du dossier)")
        if info.flag_bits & 0x1:
            raise ArchiveError(label, f"« {info.filename} » est protégé par un mot de passe")
    if sum(info.file_size for info in members) > settings.zip_max_uncompressed:
        raise ArchiveError(label, _too_big(settings))
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > settings.zip_max_ratio:
            raise ArchiveError(label, _too_compressed(ratio, settings))
    return members


def _xml_members(archive: zipfile.ZipFile, label: str, settings: Settings) -> list[zipfile.ZipInfo]:
    """The XML members to read, after the checks that the central directory allows."""
    members = _checked_members(archive, label, settings)
    wanted = [i for i in members if i.filename.lower().endswith(".xml")
              and not PurePosixPath(i.filename).name.startswith("._")
              and "__MACOSX" not in i.filename]
    if not wanted:
        raise ArchiveError(label, "l'archive ne contient aucun fichier XML")
    return wanted


@contextmanager
def _zip(file: InputFile) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(file.path)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ArchiveError(file.name, _damaged(exc)) from None
    with archive:
        yield archive


@contextmanager
def _open_document(file: InputFile, member: str | None, settings: Settings) -> Iterator[BinaryIO]:
    if member is None:
        try:
            handle = file.path.open("rb")
        except OSError as exc:
            raise InputError(file.name, _unreadable(exc)) from None
        with handle:
            yield handle
        return
    label = f"{file.name} ({member})"
    with _zip(file) as archive:
        info = archive.getinfo(member)
        try:
            raw = archive.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise ArchiveError(label, _damaged(exc)) from None
        with raw:
            yield _LimitedReader(raw, label, info.compress_size, settings)  # type: ignore[misc]


def check_zip(file: InputFile, settings: Settings, max_members: int | None = None,
              scan: Callable[[str, bytes], None] | None = None) -> list[str]:
    """Check a zip against the limits, decompressing every member (bytes counted as they
    come out), before any other library opens it (an XLSX workbook is a zip).

    :param max_members: members allowed, instead of ``settings.zip_max_members``.
    :param scan: called with each member's name and each chunk of its bytes, in order (it
        may raise to refuse the file).
    :returns: the names of the members.
    :raises InputError: empty or too big a file.
    :raises ArchiveError: truncated zip, bomb, dangerous names, too many members.
    """
    check_size(file, settings)
    names = []
    with _zip(file) as archive:
        total = 0
        for info in _checked_members(archive, file.name, settings, max_members):
            names.append(info.filename)
            with _open_document(file, info.filename, settings) as stream:
                while chunk := stream.read(256 * 1024):
                    total += len(chunk)
                    if total > settings.zip_max_uncompressed:
                        raise ArchiveError(file.name, _too_big(settings))
                    if scan is not None:
                        scan(info.filename, chunk)
    return names


def check_size(file: InputFile, settings: Settings) -> None:
    """:raises InputError: the file is missing, empty or bigger than the upload limit."""
    try:
        size = file.path.stat().st_size
    except OSError:
        raise InputError(file.name, "fichier introuvable ou illisible") from None
    if size == 0:
        raise InputError(file.name, "le fichier est vide")
    if size > settings.max_upload_bytes:
        raise InputError(file.name, f"fichier trop volumineux ({size // _MB} Mo, maximum "
                                    f"{settings.max_upload_bytes // _MB} Mo)")


def _kind(source: XmlSource) -> ExportKind:
    with source.open() as stream:
        tag = root_tag(stream, source.label)
    kind = KIND_BY_ROOT.get(tag)
    if kind is None:
        raise XmlError(source.label, f"élément racine <{tag}> inconnu : ce n'est ni un export "
                                     "STS-web ni un export SIECLE des élèves ou des responsables")
    return kind


def read_sources(
    file: InputFile, settings: Settings, expected: Collection[ExportKind] | None = None
) -> list[XmlSource]:
    """The XML documents of one input file, each recognised by its root element.

    :param expected: exports allowed here (an upload slot); ``None`` allows all three.
    :raises InputError: empty, too big, unreadable or non-XML file.
    :raises ArchiveError: truncated zip, zip bomb, dangerous member names, no XML inside.
    :raises XmlError: malformed XML, DTD/entities, unknown root element.
    :raises WrongSlotError: a document of another export than ``expected``.
    """
    check_size(file, settings)
    try:
        zipped = is_zip(file.path)
    except OSError as exc:
        raise InputError(file.name, _unreadable(exc)) from None
    if zipped:
        with _zip(file) as archive:
            names = [info.filename for info in _xml_members(archive, file.name, settings)]
        pending = [XmlSource(file, ExportKind.STS, name, settings) for name in names]
    else:
        pending = [XmlSource(file, ExportKind.STS, None, settings)]
    try:
        sources = [XmlSource(s.file, _kind(s), s.member, settings) for s in pending]
    except XmlError:
        if zipped or not file.name.lower().endswith(".zip") or _looks_like_xml(file.path):
            raise
        # Named .zip, yet neither a zip nor XML: "not XML" would puzzle the admin.
        raise ArchiveError(file.name, "ce n'est pas une archive zip valide (fichier endommagé "
                                      "ou renommé) : déposez l'export tel que SIECLE ou STS-web "
                                      "l'a produit") from None
    for source in sources:
        if expected is not None and source.kind not in expected:
            wanted = " ou ".join(k.label for k in sorted(expected, key=lambda k: k.value))
            raise WrongSlotError(source.label, f"ce fichier est l'{source.kind.label}, "
                                               f"alors qu'on attend ici l'{wanted}.")
    return sources


def _looks_like_xml(path: Path) -> bool:
    """Whether a file starts like XML (a ``<`` after an optional BOM and white space)."""
    with path.open("rb") as handle:
        head = handle.read(512)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")

"""File intake: XML or zip by content, export by root element, zip limits while reading."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import ExportKind
from cpro_siecle_plugin.errors import ArchiveError, InputError, WrongSlotError, XmlError
from cpro_siecle_plugin.siecle._xml import iter_elements
from cpro_siecle_plugin.siecle.archive import InputFile, XmlSource, read_sources

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
DATA = Path(__file__).resolve().parents[1] / "data"
SETTINGS = Settings()
ELEVES = SAMPLES / "ElevesSansAdresses.xml"
RESP = SAMPLES / "ResponsablesAvecAdresses.xml"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> InputFile:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return InputFile(path, path.name)


def _kinds(file: InputFile, **kwargs: object) -> list[tuple[ExportKind, str | None]]:
    return [(s.kind, s.member) for s in read_sources(file, SETTINGS, **kwargs)]  # type: ignore[arg-type]


def test_each_sample_is_recognised_by_its_root_element() -> None:
    """STS, students and guardians, as XML and as zip."""
    assert _kinds(InputFile(STS, "a.xml")) == [(ExportKind.STS, None)]
    assert _kinds(InputFile(SAMPLES / "ElevesSansAdresses.zip", "e.zip")) == [
        (ExportKind.ELEVES, "ElevesSansAdresses.xml")]
    assert _kinds(InputFile(SAMPLES / "ResponsablesAvecAdresses.zip", "r.zip")) == [
        (ExportKind.RESPONSABLES, "ResponsablesAvecAdresses.xml")]


def test_names_do_not_matter_only_content(tmp_path: Path) -> None:
    """A zip named .xml is a zip, and a students file named like STS is students."""
    shutil.copy(SAMPLES / "ElevesSansAdresses.zip", tmp_path / "export.xml")
    shutil.copy(ELEVES, tmp_path / "sts_emp_0691234X_2025.zip")
    assert _kinds(InputFile(tmp_path / "export.xml", "export.xml"))[0][0] is ExportKind.ELEVES
    renamed = InputFile(tmp_path / "sts_emp_0691234X_2025.zip", "sts_emp_0691234X_2025.zip")
    assert _kinds(renamed) == [(ExportKind.ELEVES, None)]


def test_one_zip_with_both_student_files_in_a_folder_any_case(tmp_path: Path) -> None:
    """Both files in one zip, in a folder, upper-case names, singular ElevesSansAdresse."""
    file = _zip(tmp_path / "siecle.zip", {
        "Export SIECLE/ELEVESSANSADRESSE.XML": ELEVES.read_bytes(),
        "Export SIECLE/responsablesavecadresses.xml": RESP.read_bytes(),
        "Export SIECLE/lisez-moi.txt": b"rien",
        "__MACOSX/Export SIECLE/._ELEVESSANSADRESSE.XML": b"\x00\x05",
    })
    assert sorted(k.value for k, _ in _kinds(file)) == ["eleves", "responsables"]


def test_file_in_the_wrong_slot_says_what_it_is() -> None:
    """A guardians file given where students are expected is refused, named as guardians."""
    with pytest.raises(WrongSlotError) as caught:
        read_sources(InputFile(RESP, "eleves.xml"), SETTINGS, expected={ExportKind.ELEVES})
    assert caught.value.filename == "eleves.xml"
    assert "export SIECLE des responsables" in caught.value.problem
    assert "export SIECLE des élèves" in caught.value.problem


def test_unknown_root_element_is_refused(tmp_path: Path) -> None:
    """An XML document of another kind is named by its root element."""
    with pytest.raises(XmlError, match="<NOMENCLATURES> inconnu"):
        read_sources(InputFile(DATA / "unknown_root.xml", "nomenclature.xml"), SETTINGS)


@pytest.mark.parametrize(("name", "expected"), [("empty.xml", "vide"),
                                                ("not_xml.xml", "pas un document XML")])
def test_empty_and_non_xml_files_are_refused(name: str, expected: str) -> None:
    """Each message names the uploaded file and the problem."""
    with pytest.raises(InputError) as caught:
        read_sources(InputFile(DATA / name, f"upload-{name}"), SETTINGS)
    assert caught.value.filename == f"upload-{name}" and expected in caught.value.problem
    assert f"« upload-{name} »" in str(caught.value)


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    """A zip cut in half is refused as truncated, naming the file."""
    data = (SAMPLES / "ElevesSansAdresses.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="tronquée") as caught:
        read_sources(InputFile(tmp_path / "cut.zip", "ElevesSansAdresses.zip"), SETTINGS)
    assert caught.value.filename == "ElevesSansAdresses.zip"
    assert "zip file" not in str(caught.value).lower()  # the library's English stays in the log


def test_corrupted_member_is_refused_while_reading(tmp_path: Path) -> None:
    """Damaged compressed bytes surface as a truncated archive, not a traceback."""
    file = _zip(tmp_path / "e.zip", {"e.xml": ELEVES.read_bytes()})
    data = bytearray(file.path.read_bytes())
    for at in range(200, 600):
        data[at] ^= 0x55
    file.path.write_bytes(bytes(data))
    with pytest.raises((ArchiveError, XmlError)) as caught:
        for source in read_sources(file, SETTINGS):
            with source.open() as stream:
                list(iter_elements(stream, source.label, {"ELEVE": "ELEVES"}))
    assert caught.value.filename.startswith("e.zip")


@pytest.mark.parametrize("member", ["../../etc/cron.d/evil.xml", "/etc/evil.xml",
                                    "a/../../evil.xml", "C:\\evil.xml"])
def test_zip_slip_member_names_are_refused(tmp_path: Path, member: str) -> None:
    """A member path leaving the folder is refused with its name; nothing is written."""
    file = _zip(tmp_path / "slip.zip", {member: ELEVES.read_bytes()})
    with pytest.raises(ArchiveError, match="nom de fichier dangereux") as caught:
        read_sources(file, SETTINGS)
    assert member in caught.value.problem


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    """A member that inflates far beyond the allowed ratio is refused."""
    body = b"<BEE_ELEVES>" + b" " * (8 * 1024 * 1024) + b"</BEE_ELEVES>"
    file = _zip(tmp_path / "bomb.zip", {"ElevesSansAdresses.xml": body})
    with pytest.raises(ArchiveError, match="taux de compression anormal") as caught:
        read_sources(file, SETTINGS)
    assert caught.value.filename == "bomb.zip"


def test_zip_bomb_by_size_is_refused(tmp_path: Path) -> None:
    """Members whose total size exceeds the limit are refused."""
    settings = Settings(zip_max_uncompressed=2 * 1024 * 1024)
    body = ELEVES.read_bytes()
    file = _zip(tmp_path / "big.zip", {f"e{i}.xml": body for i in range(10)} | {
        "huge.xml": b"<A>" + b"x" * (2 * 1024 * 1024) + b"</A>"}, zipfile.ZIP_STORED)
    with pytest.raises(ArchiveError, match="dépasse la taille autorisée"):
        read_sources(file, settings)


def test_size_limit_is_enforced_on_the_bytes_read_not_only_headers(tmp_path: Path) -> None:
    """Reading a member stops as soon as more bytes come out than allowed."""
    body = b"<BEE_ELEVES>" + b"<ELEVE/>" * 400_000 + b"</BEE_ELEVES>"
    file = _zip(tmp_path / "e.zip", {"e.xml": body})
    source = XmlSource(file, ExportKind.ELEVES, "e.xml", Settings(zip_max_uncompressed=1_000_000))
    with pytest.raises(ArchiveError, match="dépasse la taille autorisée"):
        with source.open() as stream:
            list(iter_elements(stream, source.label, {"ELEVE": None}))


def test_ratio_limit_is_enforced_on_the_bytes_read(tmp_path: Path) -> None:
    """The ratio is judged on the bytes inflated so far, whatever the headers say."""
    body = b"<BEE_ELEVES>" + b"<ELEVE/>" * 400_000 + b"</BEE_ELEVES>"
    file = _zip(tmp_path / "e.zip", {"e.xml": body})
    source = XmlSource(file, ExportKind.ELEVES, "e.xml", Settings(zip_max_ratio=5))
    with pytest.raises(ArchiveError, match="taux de compression anormal"):
        with source.open() as stream:
            list(iter_elements(stream, source.label, {"ELEVE": None}))


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    """More members than allowed is refused with the count."""
    file = _zip(tmp_path / "many.zip", {f"f{i}.xml": b"<A/>" for i in range(20)})
    with pytest.raises(ArchiveError, match="20 fichiers"):
        read_sources(file, SETTINGS)


def test_zip_without_xml_is_refused(tmp_path: Path) -> None:
    """A zip with no XML document inside says so."""
    file = _zip(tmp_path / "docs.zip", {"notes.txt": b"bonjour"})
    with pytest.raises(ArchiveError, match="aucun fichier XML"):
        read_sources(file, SETTINGS)


def test_upload_larger_than_allowed_is_refused(tmp_path: Path) -> None:
    """The total size of an upload is limited by MAX_UPLOAD_BYTES."""
    with pytest.raises(InputError, match="trop volumineux"):
        read_sources(InputFile(ELEVES, "e.xml"), Settings(max_upload_bytes=1000))


def test_unreadable_file_is_refused_in_french(tmp_path: Path) -> None:
    """A folder given as a file is refused with a message, not an OSError."""
    folder = tmp_path / "dossier.xml"
    folder.mkdir()
    (folder / "x").write_bytes(b"x")
    with pytest.raises(InputError, match="illisible") as caught:
        read_sources(InputFile(folder, "dossier.xml"), SETTINGS)
    assert caught.value.filename == "dossier.xml"


def test_file_named_zip_that_is_no_zip_says_so(tmp_path: Path) -> None:
    """A text file renamed .zip is refused as a damaged zip, not as « not XML »."""
    fake = tmp_path / "ElevesSansAdresses.zip"
    fake.write_text("ceci n'est pas une archive", encoding="utf-8")
    with pytest.raises(ArchiveError, match="pas une archive zip valide") as caught:
        read_sources(InputFile(fake, fake.name), Settings())
    assert "ElevesSansAdresses.zip" in str(caught.value)

"""The synthetic school generator writes the three exports in their real shape."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bench.generate import generate_school, zip_files


def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def test_generated_school_has_the_three_exports_in_iso_8859_15(tmp_path: Path) -> None:
    """Files are declared and encoded ISO-8859-15, with the real root elements."""
    paths = generate_school(tmp_path, 120, 240, 20)
    roots = {kind: _tree(path).tag for kind, path in paths.items()}
    assert roots == {"sts": "STS_EDT", "eleves": "BEE_ELEVES", "responsables": "BEE_RESPONSABLES"}
    assert paths["sts"].name == "sts_emp_0691234X_2025.xml"
    assert paths["eleves"].read_bytes().startswith(b'<?xml version="1.0" encoding="ISO-8859-15"?>')
    assert "Œ".encode("iso-8859-15") in paths["eleves"].read_bytes() + paths["sts"].read_bytes()


def test_generated_school_counts_match_the_request(tmp_path: Path) -> None:
    """Students, staff and about two guardians per student are written."""
    paths = generate_school(tmp_path, 300, 600, 30, no_division=2)
    eleves = _tree(paths["eleves"])
    assert len(eleves.findall(".//ELEVE")) == 300
    assert len(eleves.findall(".//STRUCTURES_ELEVE")) == 298
    assert len(_tree(paths["sts"]).findall(".//INDIVIDU")) == 30
    guardians = len(_tree(paths["responsables"]).findall(".//PERSONNE"))
    assert 500 <= guardians <= 700


def test_dropped_students_keep_the_others_identical(tmp_path: Path) -> None:
    """Dropping a share of students leaves every other student's record unchanged."""
    full = generate_school(tmp_path / "a", 200, 400, 20)
    smaller = generate_school(tmp_path / "b", 200, 400, 20, drop_students=0.1)
    before = {e.get("ELEVE_ID"): etree.tostring(e) for e in _tree(full["eleves"]).iter("ELEVE")}
    after = {e.get("ELEVE_ID"): etree.tostring(e) for e in _tree(smaller["eleves"]).iter("ELEVE")}
    assert len(after) == 180
    assert all(before[key] == value for key, value in after.items())


def test_groups_span_several_divisions(tmp_path: Path) -> None:
    """Every generated group belongs to at least two divisions when there are enough."""
    paths = generate_school(tmp_path, 300, 600, 30)
    groups = _tree(paths["sts"]).findall(".//GROUPE")
    assert groups
    assert max(len(g.findall(".//DIVISION_APPARTENANCE")) for g in groups) >= 2


def test_zip_files_puts_members_in_a_folder(tmp_path: Path) -> None:
    """Both student files can be zipped together under a folder."""
    import zipfile

    paths = generate_school(tmp_path, 30, 60, 5)
    dest = zip_files([paths["eleves"], paths["responsables"]], tmp_path / "both.zip", "export")
    assert sorted(zipfile.ZipFile(dest).namelist()) == [
        "export/ElevesSansAdresses.xml", "export/ResponsablesAvecAdresses.xml"]

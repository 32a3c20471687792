"""The SIECLE guardians reader: persons, links (both shapes) and addresses."""

from __future__ import annotations

from pathlib import Path

from cpro_siecle_plugin.domain import Guardian, GuardianLink, ResponsablesExport
from cpro_siecle_plugin.errors import Problem
from cpro_siecle_plugin.siecle.responsables import read_responsables

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
DATA = Path(__file__).resolve().parents[1] / "data"


def _read(path: Path) -> tuple[ResponsablesExport, list[Problem]]:
    with path.open("rb") as stream:
        return read_responsables(stream, path.name)


def test_sample_counts_contact_and_shared_guardians() -> None:
    """52 persons, 56 links; one RESP_LEGAL 0 contact; siblings share guardians."""
    export, problems = _read(SAMPLES / "ResponsablesAvecAdresses.xml")
    assert problems == []
    assert (len(export.guardians), len(export.links)) == (52, 56)
    assert [link.personne_id for link in export.links if not link.is_legal] == ["1128"]
    students_of_1072 = [link.eleve_id for link in export.links if link.personne_id == "1072"]
    assert students_of_1072 == ["1012", "1015", "1018"]
    assert "99999999" in {link.eleve_id for link in export.links}


def test_sample_guardian_record_is_exact() -> None:
    """FAURÉ Paul, with civility, e-mail and one-line address."""
    export, _ = _read(SAMPLES / "ResponsablesAvecAdresses.xml")
    assert export.guardians[0] == Guardian(
        "1028", "M.", "FAURÉ", None, "Paul", "p1029@example.org", None,
        "3 rue de l'Église, 69001 LYON", export.guardians[0].source)
    assert export.guardians[0].source is not None and export.guardians[0].source.line == 10
    first = export.links[0]
    assert (first.eleve_id, first.personne_id, first.resp_legal, first.relationship) == (
        "1001", "1028", 1, "10")


def test_niveau_responsabilite_shape_in_utf8_with_bom() -> None:
    """NIVEAU_RESPONSABILITE 1 is legal, 3 is a contact; true/false flags are harmless."""
    export, problems = _read(DATA / "responsables_niveau_bom.xml")
    assert problems == []
    levels = [(link.personne_id, link.niveau, link.resp_legal, link.is_legal)
              for link in export.links]
    assert levels == [("8001", 1, None, True), ("8002", 1, None, True),
                      ("8002", 1, None, True), ("8003", 3, None, False)]


def test_code_civilite_phones_and_foreign_address() -> None:
    """CODE_CIVILITE mapped, first phone given, foreign town and country kept."""
    export, _ = _read(DATA / "responsables_niveau_bom.xml")
    by_id = {g.personne_id: g for g in export.guardians}
    assert (by_id["8001"].civility, by_id["8001"].phone) == ("M.", "0401020304")
    assert by_id["8001"].last_name == "CŒURDEROY"
    assert by_id["8001"].address == "12 rue de l'Œuvre, 75004 PARIS"
    assert by_id["8002"].address == "5 avenue Habib Bourguiba, TUNIS, TUNISIE"
    assert by_id["8003"].address is None and by_id["8003"].email is None


def test_link_without_ids_is_an_error_and_unknown_person_a_warning(tmp_path: Path) -> None:
    """Strict on identifiers, tolerant of links to persons not in the file."""
    path = tmp_path / "r.xml"
    path.write_text(
        "<BEE_RESPONSABLES><DONNEES><PERSONNES>\n"
        "<PERSONNE><NOM_DE_FAMILLE>A</NOM_DE_FAMILLE><PRENOM>B</PRENOM></PERSONNE>\n"
        "</PERSONNES><RESPONSABLES>\n"
        "<RESPONSABLE_ELEVE><ELEVE_ID>1</ELEVE_ID><RESP_LEGAL>1</RESP_LEGAL></RESPONSABLE_ELEVE>\n"
        "<RESPONSABLE_ELEVE><ELEVE_ID>1</ELEVE_ID><PERSONNE_ID>5</PERSONNE_ID>"
        "<RESP_LEGAL>oui-non</RESP_LEGAL></RESPONSABLE_ELEVE>\n"
        "</RESPONSABLES></DONNEES></BEE_RESPONSABLES>", encoding="utf-8")
    export, problems = _read(path)
    assert [(p.severity, p.code, p.line) for p in problems] == [
        ("error", "missing_id", 2), ("error", "missing_id", 4),
        ("warning", "bad_link_level", 5), ("warning", "unknown_person", 5)]
    assert export.links == (GuardianLink("1", "5", None, None, None, export.links[0].source),)

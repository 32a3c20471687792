"""The hardened XML entry point: no DTD, no entities, errors in French with the line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cpro_siecle_plugin.errors import XmlError
from cpro_siecle_plugin.siecle import _xml

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"


def _texts(data: bytes, tags: dict[str, str | None]) -> list[tuple[str | None, int]]:
    return [(e.text, line) for e, line in _xml.iter_elements(io.BytesIO(data), "f.xml", tags)]


@pytest.mark.parametrize("name", ["xxe_file.xml", "xxe_http.xml", "billion_laughs.xml",
                                  "dtd_external.xml"])
def test_any_doctype_is_refused_before_anything_is_read(name: str) -> None:
    """XXE (file and network), billion laughs and an external DTD are all refused."""
    data = (DATA / name).read_bytes()
    with pytest.raises(XmlError) as caught:
        _texts(data, {"UAJ": None})
    assert caught.value.filename == "f.xml"
    assert "DTD/entité interdite" in str(caught.value)
    assert "root:" not in str(caught.value)  # /etc/passwd never expanded


def test_doctype_hidden_by_utf16_is_refused_by_the_parser_check() -> None:
    """A DOCTYPE the byte scan cannot see (UTF-16) is still refused."""
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE A [<!ENTITY e "x">]><A><B>&e;</B></A>'
    with pytest.raises(XmlError, match="DTD/entité interdite"):
        _texts(text.encode("utf-16"), {"B": None})


def test_root_tag_also_refuses_a_doctype() -> None:
    """Reading only the root element is as guarded as a full pass."""
    with pytest.raises(XmlError, match="DTD/entité interdite"):
        _xml.root_tag(io.BytesIO((DATA / "xxe_file.xml").read_bytes()), "x.xml")


def test_truncated_document_names_the_line() -> None:
    """A document cut in the middle of a record is refused as truncated, with its line."""
    with pytest.raises(XmlError) as caught:
        _texts((DATA / "truncated.xml").read_bytes(), {"ELEVE": "ELEVES"})
    assert "tronqué" in caught.value.problem
    assert caught.value.line is not None and caught.value.line >= 11


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "vide"), (b"  \n", "vide"), (b"Bonjour", "pas un document XML"),
    (b"<A><B>1</B></A><C/>", "mal form"),
    (b'<?xml version="1.0" encoding="x-macthai"?><A/>', "encodage"),
])
def test_broken_inputs_get_a_french_problem(data: bytes, expected: str) -> None:
    """Empty, non-XML, extra content and unknown encodings each have their message."""
    with pytest.raises(XmlError, match=expected):
        _texts(data, {"B": None})


@pytest.mark.parametrize(("encoding", "bom"), [("ISO-8859-15", b""), ("ISO-8859-1", b""),
                                               ("UTF-8", b""), ("UTF-8", b"\xef\xbb\xbf")])
def test_declared_encodings_are_honoured(encoding: str, bom: bytes) -> None:
    """Latin-1, Latin-9 and UTF-8 with or without BOM decode to the same text."""
    value = "Lætitia N'DIAYE-CŒUR 5 €" if encoding != "ISO-8859-1" else "Léa N'DIAYE"
    doc = f'<?xml version="1.0" encoding="{encoding}"?>\n<A><B>{value}</B></A>'
    assert _texts(bom + doc.encode(encoding), {"B": None}) == [(value, 2)]


def test_parent_filter_tells_a_record_from_a_field_of_the_same_name() -> None:
    """CIVILITE under CIVILITES is a record; CIVILITE inside INDIVIDU is left alone."""
    doc = (b"<R><CIVILITES><CIVILITE>M.</CIVILITE></CIVILITES><INDIVIDUS><INDIVIDU>"
           b"<CIVILITE>1</CIVILITE><NOM>X</NOM></INDIVIDU></INDIVIDUS></R>")
    stream = io.BytesIO(doc)
    seen = [(e.tag, _xml.text(e, "CIVILITE"), e.text) for e, _ in _xml.iter_elements(
        stream, "f", {"CIVILITE": "CIVILITES", "INDIVIDU": None})]
    assert seen == [("CIVILITE", None, "M."), ("INDIVIDU", "1", None)]


def test_records_are_cleared_and_earlier_siblings_dropped() -> None:
    """Memory stays flat: at each record, only the previous one is left, and it is empty."""
    doc = b"<R><S>" + b"".join(b"<E><N>%d</N></E>" % i for i in range(50)) + b"</S></R>"
    kept = []
    for element, _ in _xml.iter_elements(io.BytesIO(doc), "f", {"E": "S"}):
        before = list(element.itersiblings(preceding=True))
        kept.append((len(before), sum(len(b) for b in before)))
    assert len(kept) == 50 and max(kept) == (1, 0)


def test_empty_elements_read_as_none() -> None:
    """Empty, blank and absent elements and attributes all give None."""
    doc = b'<R><E A=" " B="x"><N/><M>  </M><P> y </P></E></R>'
    for element, _ in _xml.iter_elements(io.BytesIO(doc), "f", {"E": None}):
        assert [_xml.text(element, t) for t in ("N", "M", "P", "Q")] == [None, None, "y", None]
        assert (_xml.attr(element, "A"), _xml.attr(element, "B"), _xml.attr(element, "C")) == (
            None, "x", None)


@pytest.mark.parametrize("cut", [9000, 9013, 9021, 9040, 9052, 9071])
def test_file_cut_anywhere_reads_as_truncated(cut: int) -> None:
    """Cut inside a tag, an attribute or a text, a file is refused as truncated, with the
    line where it stops (not as a vague « mal formé »)."""
    data = (SAMPLES / "ElevesSansAdresses.xml").read_bytes()[:cut]
    with pytest.raises(XmlError) as caught:
        _texts(data, {"ELEVE": "ELEVES"})
    assert "tronqué" in caught.value.problem
    assert caught.value.line == data.count(b"\n") + 1
    assert "Premature" not in str(caught.value) and "détail" not in str(caught.value)


def test_error_in_the_middle_of_a_file_stays_malformed() -> None:
    """A broken tag far from the end is « mal formé », not truncated."""
    data = (SAMPLES / "ElevesSansAdresses.xml").read_bytes().replace(b"<PRENOM>", b"<PRENOM", 1)
    with pytest.raises(XmlError) as caught:
        _texts(data, {"ELEVE": "ELEVES"})
    assert "mal formé" in caught.value.problem and "tronqué" not in caught.value.problem

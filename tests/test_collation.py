"""French collation and natural class order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cpro_siecle_plugin.collation import class_key, person_key, text_key


def test_accented_capital_sorts_with_its_letter_not_after_z() -> None:
    """« Émile » sorts among the E, before « Zoé » (plain code-point order puts É after Z)."""
    words = ["Zoé", "Émile", "Eva", "élodie"]
    assert sorted(words, key=text_key) == ["élodie", "Émile", "Eva", "Zoé"]


def test_ligature_sorts_as_spelt_out() -> None:
    """« Œillet » sorts as « oeillet », between « ode » and « ours »."""
    assert sorted(["ours", "Œillet", "ode"], key=text_key) == ["ode", "Œillet", "ours"]


def test_numbers_in_logins_compare_as_numbers() -> None:
    """``dupre2`` comes before ``dupre10``."""
    assert sorted(["jean.dupre10", "jean.dupre2", "jean.dupre"], key=text_key) == [
        "jean.dupre", "jean.dupre2", "jean.dupre10"]


def test_classes_in_school_order_with_natural_numbers() -> None:
    """2NDE before 1ERE before TLE; 2NDE2 before 2NDE10; collège levels first."""
    codes = ["TLE1", "1ERE10", "2NDE10", "1ERE2", "2NDE2", "3E1", "6EME2", "BTS1", "2NDE1", "TLE10"]
    assert sorted(codes, key=class_key) == [
        "6EME2", "3E1", "2NDE1", "2NDE2", "2NDE10", "1ERE2", "1ERE10", "TLE1", "TLE10", "BTS1"]


def test_person_key_orders_by_last_then_first_name() -> None:
    """People sort by last name, then first name, accents ignored."""
    people = [("MARTIN", "Zoé"), ("ÉCHARD", "Léa"), ("MARTIN", "Anaïs")]
    assert sorted(people, key=lambda p: person_key(*p)) == [
        ("ÉCHARD", "Léa"), ("MARTIN", "Anaïs"), ("MARTIN", "Zoé")]


@given(st.lists(st.text(max_size=8), max_size=20))
def test_text_order_is_total_and_deterministic(words: list[str]) -> None:
    """Any list sorts to the same order whatever its starting order."""
    assert sorted(words, key=text_key) == sorted(reversed(words), key=text_key)


@given(st.lists(st.text(alphabet="0123456789ABENDRLT", max_size=7), max_size=20))
def test_class_order_is_total_and_deterministic(codes: list[str]) -> None:
    """Any list of codes sorts to the same order whatever its starting order."""
    assert sorted(codes, key=class_key) == sorted(reversed(codes), key=class_key)

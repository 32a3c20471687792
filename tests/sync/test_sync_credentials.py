"""Logins and initial passwords: the rule schools recognise, unique and within the cap."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpro_siecle_plugin.sync.credentials import (
    derived_password,
    fold_name,
    make_username,
    staff_password,
    student_password,
)

LOGIN = re.compile(r"^[a-z0-9.-]+$")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Théo", "FAURÉ", "theo.faure"),
        ("Marie-Ève", "BENOÎT-DUPRÉ", "marie-eve.benoit-dupre"),
        ("Aïssata", "N'DIAYE", "aissata.ndiaye"),
        ("Jean", "DE LA FONTAINE", "jean.delafontaine"),
        ("Lætitia", "CŒUR", "laetitia.coeur"),
        ("Œdipe", "STRAßE", "oedipe.strasse"),
        ("Anne--Sophie", "-LE  GOFF-", "anne-sophie.legoff"),
        ("Zoë", "D’ALEMBERT", "zoe.dalembert"),
    ],
)
def test_login_folds_accents_particles_and_apostrophes(
    first: str, last: str, expected: str
) -> None:
    """Accents fold, ligatures expand, apostrophes and spaces go, hyphens stay."""
    assert make_username(first, last, set()) == expected


def test_homonyms_get_a_number_from_two() -> None:
    """The second and third Jean Martin become jean.martin2 and jean.martin3."""
    taken: set[str] = set()
    logins = [make_username("Jean", "MARTIN", taken) for _ in range(3)]
    assert logins == ["jean.martin", "jean.martin2", "jean.martin3"]
    assert taken == set(logins)


def test_login_avoids_names_already_taken_on_the_platform() -> None:
    """A login used by anyone on the host is never given again."""
    assert make_username("Jean", "Martin", {"jean.martin", "jean.martin2"}) == "jean.martin3"


def test_long_login_trims_first_name_then_last_name() -> None:
    """Over the cap, the first name shrinks first, down to its initial, then the last name."""
    assert make_username("Marie-Christine", "DUPONT", set(), 15) == "marie-ch.dupont"
    assert make_username("Marie-Christine", "DE SAINT-EXUPÉRY-LAMBERT", set(), 15) == (
        "m.desaint-exupe"
    )
    taken = {"m.desaint-exupe"}
    assert make_username("Marie-Christine", "DE SAINT-EXUPÉRY-LAMBERT", taken, 15) == (
        "m.desaint-exup2"
    )


def test_trimming_never_leaves_an_edge_hyphen() -> None:
    """A name cut right after a hyphen loses the hyphen."""
    assert make_username("Marie-Eve", "DURAND", set(), 12) == "marie.durand"


def test_unusable_names_still_give_a_valid_login() -> None:
    """A name with no Latin letter falls back to the other part, or to utilisateur."""
    assert make_username("李", "Martin", set()) == "martin"
    assert make_username("李", "王", set()) == "utilisateur"
    assert fold_name("'’ -") == ""


def test_passwords_from_birth_dates() -> None:
    """Staff get aaaa-mm-jj, students jjmmaaaa."""
    assert staff_password(date(1980, 3, 7)) == "1980-03-07"
    assert student_password(date(2010, 10, 6)) == "06102010"


def test_derived_password_is_deterministic_readable_and_secret_bound() -> None:
    """Same secret and key give the same password; another secret another one."""
    one = derived_password("s3cret", "0691234X:resp:555")
    assert one == derived_password("s3cret", "0691234X:resp:555")
    assert one != derived_password("other", "0691234X:resp:555")
    assert one != derived_password("s3cret", "0691234X:resp:556")
    assert re.fullmatch(r"[a-hjkmnp-z][a-hjkmnp-z2-9]{8}[2-9]", one)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.tuples(st.text(max_size=40), st.text(max_size=40)), max_size=25),
    max_length=st.integers(min_value=4, max_value=40),
    taken=st.sets(st.from_regex(r"[a-z]{1,3}\.[a-z]{1,3}[0-9]?", fullmatch=True), max_size=10),
)
def test_logins_are_unique_valid_and_within_the_cap(
    names: list[tuple[str, str]], max_length: int, taken: set[str]
) -> None:
    """Any set of names, however odd, gives distinct valid logins within the cap."""
    before = set(taken)
    logins = [make_username(first, last, taken, max_length) for first, last in names]
    assert len(set(logins)) == len(logins)
    assert not before & set(logins)
    for login in logins:
        assert LOGIN.match(login), login
        assert len(login) <= max_length


def test_random_password_has_the_derived_shape_and_varies() -> None:
    """Ten unambiguous characters, a letter first and a digit last; two draws differ."""
    import random

    from cpro_siecle_plugin.sync.credentials import random_password

    passwords = {random_password(random.Random(seed).choice) for seed in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        assert re.fullmatch(r"[a-hjkmnp-z][a-hjkmnp-z2-9]{8}[2-9]", password), password


@settings(max_examples=80, deadline=None)
@given(
    first=st.text(max_size=30), last=st.text(max_size=30),
    max_length=st.integers(min_value=4, max_value=40),
    homonyms=st.integers(min_value=0, max_value=12),
    others=st.sets(st.from_regex(r"[a-z]{1,4}[.-]?[a-z]{0,4}[0-9]{0,3}", fullmatch=True),
                   max_size=20),
)
def test_logins_sharing_a_stem_are_all_a_new_login_can_meet(
    first: str, last: str, max_length: int, homonyms: int, others: set[str]
) -> None:
    """Kept to the platform's logins sharing one of the name's stems, ``taken`` gives the
    same login as the whole platform's: the ledger reads only those (indexed)."""
    from cpro_siecle_plugin.sync.credentials import login_stem, login_stems

    platform = set(others)
    for _ in range(homonyms):  # the name's homonyms elsewhere, numbered and trimmed
        make_username(first, last, platform, max_length)
    stems = login_stems(first, last, max_length)
    near = {login for login in platform if login_stem(login) in stems}
    given_near = make_username(first, last, set(near), max_length)
    assert given_near == make_username(first, last, set(platform), max_length)
    assert login_stem(given_near) in stems


def test_login_stems_cover_trimmed_and_numbered_logins() -> None:
    """A trimmed homonym's login (``m.desaint-exup2``) shares a stem of the name."""
    from cpro_siecle_plugin.sync.credentials import login_stem, login_stems

    stems = login_stems("Marie-Christine", "DE SAINT-EXUPÉRY-LAMBERT", 15)
    assert {"m.desaint-exupe", "m.desaint-exup"} <= stems
    assert login_stem("jean.martin12") == "jean.martin"
    assert login_stems("Jean", "MARTIN") == {"jean.martin"}

"""A synthetic school in the three real export formats (STS-web, SIECLE Eleves, Responsables).

``generate_school(out_dir)`` writes ``sts_emp_{uaj}_{year}.xml``, ``ElevesSansAdresses.xml`` and
``ResponsablesAvecAdresses.xml`` laid out like the samples in ``shared/siecle-samples`` (declared
ISO-8859-15 by default). Every person is derived from its index and the seed, so a smaller or a
changed school (``drop_students``, ``extra_students``, ``move_students``) keeps the same people
with the same identifiers: handy for re-import benchmarks and tests.

Command line: ``python -m bench.generate OUT_DIR [--students N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import random
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

LAST_NAMES = (
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT", "DURAND", "LEFÈVRE", "MOREAU",
    "N'DIAYE", "D'ALEMBERT", "LE GOFF", "DE LA FONTAINE", "BENOÎT-DUPRÉ", "FAURÉ", "ŒUVRARD",
    "SAINT-EXUPÉRY", "O'CONNOR", "DA SILVA", "EL AMRANI", "BEN SALAH", "NGUYEN", "FRANÇOIS",
    "GIRARD", "ANDRÉ", "MERCIER", "BONNET", "CHEVALIER", "GARNIER", "BOYER", "MÜLLER", "LAMBERT",
    "ROUSSEAU", "VINCENT", "FOURNIER", "MOREL", "CŒURDEROY", "DE SOUSA", "L'HUILLIER", "PERRIN",
)
FIRST_NAMES = (
    "Théo", "Jade", "Inès", "Lucas", "Emma", "Marie-Ève", "Hugo", "Léa", "Chloé", "Zoé", "Noé",
    "Maëlys", "Lætitia", "Anaïs", "Thaïs", "Benoît", "Jérôme", "François", "Hélène", "Cécile",
    "Gaëlle", "Éloïse", "Adèle", "Raphaël", "Joël", "Aïcha", "Mathéo", "Clément", "Jean-Baptiste",
    "Anne-Sophie", "Zoë", "Noël", "Camille", "Sacha", "Kenza", "Yanis", "Mamadou", "Ophélie",
)
STREETS = ("rue de l'Église", "avenue Jean Jaurès", "place de la Liberté", "chemin des Œillets",
           "boulevard de la Croix-Rousse", "impasse du Vieux Moulin")
SUBJECTS = (
    ("030201", "ANGLAIS LV1", "Anglais Lv1"), ("061300", "MATHEMATIQUES", "Mathématiques"),
    ("020100", "FRANCAIS", "Français"), ("040300", "HISTOIRE-GEOGRAPHIE", "Histoire-Géographie"),
    ("100100", "ED.PHYSIQUE &amp; SPORT.", "Ed.Physique &amp; Sport."),
    ("068900", "ENS. PROFESSIONNEL", "Ens. Professionnel"), ("030602", "ESPAGNOL LV2", "Espagnol"),
    ("070100", "ECONOMIE-GESTION", "Économie-Gestion (€)"),
)
LEVELS = ("2NDE", "1ERE", "TLE")
OTHER_FUNCTIONS = ("EDU", "DOC", "ADF", "SUR", "")


def _division(index: int) -> str:
    """Code of the ``index``-th division: levels alternate, numbered within each level."""
    return f"{LEVELS[index % 3]}{index // 3 + 1}"


def _groups(division_index: int) -> tuple[str, str]:
    """The language group (4 divisions) and support group (2 divisions) of a division."""
    level, number = LEVELS[division_index % 3], division_index // 3
    return f"{level}-ESP{number // 4 + 1}", f"{level}-AP{number // 2 + 1}"


def _ine(i: int) -> str:
    digits = (i * 7919 + 123456789) % 10**9  # a bijection on 0..10^9-1: INEs stay unique
    return f"{digits:09d}{chr(65 + i % 26)}{chr(65 + (i // 26) % 26)}"


def _write(path: Path, chunks: Iterable[str], encoding: str, bom: bool) -> Path:
    """Write the XML declaration then ``chunks`` in ``encoding`` (strict: no lossy bytes)."""
    with path.open("w", encoding=encoding, newline="\n") as out:
        if bom:
            out.write("\ufeff")
        out.write(f'<?xml version="1.0" encoding="{encoding}"?>\n')
        buffer: list[str] = []
        for chunk in chunks:
            buffer.append(chunk)
            if len(buffer) >= 1000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
    return path


def _staff_split(n_staff: int) -> tuple[int, int]:
    """Number of heads (FONCTION DIR) and of other staff; the rest are teachers."""
    heads = min(n_staff, max(2, n_staff // 100))
    return heads, min(n_staff - heads, max(1, n_staff // 10))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _people(n: int, seed: int, per_division: int, no_division: int, move: float,
            leavers: float, promote_before: int = 0) -> list[dict]:
    """Every student of the population, derived from the index and the seed.

    :param promote_before: students of index below it are one school year on: up one level
        (2NDE3 → 1ERE3), TLE students ``graduated``; later ones are newcomers in 2NDE.
    """
    pick = random.Random(seed)
    unplaced = set(pick.sample(range(n), min(no_division, n)))
    moved = set(pick.sample(range(n), round(move * n)))
    people: list[dict] = []
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        div = i // per_division + (3 if i in moved else 0)
        graduated = bool(promote_before) and i < promote_before and div % 3 == 2
        if promote_before:
            div = div + 1 if i < promote_before else 3 * ((i - promote_before) // per_division)
        esp, ap = _groups(div)
        sibling = i > 0 and rng.random() < 0.12
        last = people[i - 1]["last"] if sibling else rng.choice(LAST_NAMES)
        people.append({
            "i": i, "id": str(100000 + i), "elenoet": str(20000 + i), "ine": _ine(i),
            "last": last, "first": rng.choice(FIRST_NAMES), "div": div,
            "birth": (f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/", 15 + div % 3),
            "sex": rng.choice("12"), "leaver": rng.random() < leavers,
            "division": None if i in unplaced else _division(div),
            "groups": [] if i in unplaced else
            [g for g, p in ((esp, 0.5), (ap, 0.3)) if rng.random() < p],
            "head": people[i - 1]["head"] if sibling else i, "r": rng.random(),
            "graduated": graduated,
        })
    return people


def _eleves(people: list[dict], uaj: str, year: int) -> Iterable[str]:
    yield f'<BEE_ELEVES VERSION="3.3">\n{_params(uaj, year)}<DONNEES>\n<ELEVES>\n'
    for s in people:
        birth = f"{s['birth'][0]}{year - s['birth'][1]}"
        sortie = f"<DATE_SORTIE>05/09/{year}</DATE_SORTIE>" if s["leaver"] else "<DATE_SORTIE/>"
        yield (
            f'<ELEVE ELEVE_ID="{s["id"]}" ELENOET="{s["elenoet"]}">\n'
            f"<ID_NATIONAL>{s['ine']}</ID_NATIONAL>\n<ELENOET>{s['elenoet']}</ELENOET>\n"
            f"<NOM_DE_FAMILLE>{_esc(s['last'])}</NOM_DE_FAMILLE>\n<NOM_USAGE/>\n"
            f"<PRENOM>{_esc(s['first'])}</PRENOM>\n<PRENOM2/>\n<DATE_NAISS>{birth}</DATE_NAISS>\n"
            f"<DOUBLEMENT>0</DOUBLEMENT>\n<CODE_SEXE>{s['sex']}</CODE_SEXE>\n"
            f"<CODE_REGIME>2</CODE_REGIME>\n<DATE_ENTREE>01/09/{year - 1}</DATE_ENTREE>\n{sortie}\n"
            f"<CODE_MEF>20010018110</CODE_MEF>\n<CODE_STATUT>ST</CODE_STATUT>\n</ELEVE>\n"
        )
    yield "</ELEVES>\n<STRUCTURES>\n"
    for s in people:
        if s["division"] is None:
            continue
        codes = [(s["division"], "D")] + [(g, "G") for g in s["groups"]]
        yield (f'<STRUCTURES_ELEVE ELEVE_ID="{s["id"]}" ELENOET="{s["elenoet"]}">\n'
               + "".join(f"<STRUCTURE><CODE_STRUCTURE>{c}</CODE_STRUCTURE><TYPE_STRUCTURE>{t}"
                         "</TYPE_STRUCTURE></STRUCTURE>\n" for c, t in codes)
               + "</STRUCTURES_ELEVE>\n")
    yield "</STRUCTURES>\n</DONNEES>\n</BEE_ELEVES>\n"


def _params(uaj: str, year: int) -> str:
    return (f"<PARAMETRES>\n<UAJ>{uaj}</UAJ>\n<ANNEE_SCOLAIRE>{year}</ANNEE_SCOLAIRE>\n"
            f"<DATE_EXPORT>12/09/{year}</DATE_EXPORT>\n"
            f"<HORODATAGE>12/09/{year} 10:11:12</HORODATAGE>\n</PARAMETRES>\n")


def _family(head: dict, ratio: float, seed: int) -> list[tuple[int, int, str, str, str]]:
    """Guardians of the family whose first child is ``head``: id, RESP_LEGAL, parenté, names."""
    per_family = ratio / 0.88  # 12 % of students are a younger sibling sharing guardians
    second = min(max(per_family - 1, 0.0), 0.95)
    contact = min(max(per_family - 1 - second, 0.0), 1.0)
    rng = random.Random(seed * 7 + head["i"])
    base = 500000 + 3 * head["i"]
    people = [(base, 1, "10", head["last"], rng.choice(FIRST_NAMES))]
    if head["r"] < second:
        people.append((base + 1, 2, "20", head["last"], rng.choice(FIRST_NAMES)))
    if rng.random() < contact:
        people.append((base + 2, 0, "50", rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)))
    return people


def _responsables(people: list[dict], linked: list[dict], uaj: str, year: int, ratio: float,
                  seed: int, niveau: bool) -> Iterable[str]:
    families = {s["head"]: _family(people[s["head"]], ratio, seed) for s in linked}
    yield f'<BEE_RESPONSABLES VERSION="3.3">\n{_params(uaj, year)}<DONNEES>\n<PERSONNES>\n'
    for head, members in families.items():
        for pid, legal, _, last, first in members:
            civ = "MME" if legal == 2 else "M."
            mel = f"<MEL>p{pid}@example.org</MEL>" if pid % 5 else "<MEL/>"
            address = 900000 + head if legal else 2000000 + head
            yield (f'<PERSONNE PERSONNE_ID="{pid}">\n'
                   f"<NOM_DE_FAMILLE>{_esc(last)}</NOM_DE_FAMILLE>\n<NOM_USAGE/>\n<PRENOM>{_esc(first)}</PRENOM>\n<LC_CIVILITE>{civ}</LC_CIVILITE>\n"
                   f"<TEL_PORTABLE>06{pid % 10**8:08d}</TEL_PORTABLE>\n{mel}\n"
                   f"<ADRESSE_ID>{address}</ADRESSE_ID>\n</PERSONNE>\n")
    yield "</PERSONNES>\n<RESPONSABLES>\n"
    for s in linked:
        for pid, legal, parente, _, _ in families[s["head"]]:
            level = (f"<NIVEAU_RESPONSABILITE>{1 if legal else 3}</NIVEAU_RESPONSABILITE>"
                     f"<PAIE_FRAIS_SCOLAIRES>{'true' if legal == 1 else 'false'}"
                     "</PAIE_FRAIS_SCOLAIRES>" if niveau else f"<RESP_LEGAL>{legal}</RESP_LEGAL>")
            yield (f"<RESPONSABLE_ELEVE><ELEVE_ID>{s['id']}</ELEVE_ID><PERSONNE_ID>{pid}"
                   f"</PERSONNE_ID>{level}<CODE_PARENTE>{parente}</CODE_PARENTE>"
                   "<PERS_CONTACT>1</PERS_CONTACT></RESPONSABLE_ELEVE>\n")
    yield "</RESPONSABLES>\n<ADRESSES>\n"
    for head, members in families.items():
        for address in sorted({900000 + head if m[1] else 2000000 + head for m in members}):
            yield (f'<ADRESSE ADRESSE_ID="{address}"><LIGNE1_ADRESSE>{address % 97 + 1} '
                   f"{STREETS[address % len(STREETS)]}</LIGNE1_ADRESSE><LIGNE2_ADRESSE/>"
                   f"<CODE_POSTAL>69001</CODE_POSTAL><LIBELLE_POSTAL>LYON</LIBELLE_POSTAL>"
                   "</ADRESSE>\n")
    yield "</ADRESSES>\n</DONNEES>\n</BEE_RESPONSABLES>\n"


def _sts(people: list[dict], n_staff: int, uaj: str, year: int, seed: int) -> Iterable[str]:
    rng = random.Random(seed * 13)
    heads, others = _staff_split(n_staff)
    yield (f'<STS_EDT>\n<PARAMETRES>\n<UAJ CODE="{uaj}"><ACADEMIE>LYON</ACADEMIE><SIGLE>LP</SIGLE>'
           "<DENOM_PRINC>LYCEE PROFESSIONNEL</DENOM_PRINC><DENOM_COMPL>JEAN MOULIN</DENOM_COMPL>"
           f'</UAJ>\n<ANNEE_SCOLAIRE ANNEE="{year}"><DATE_DEBUT>01/09/{year}</DATE_DEBUT>'
           f"<DATE_FIN>31/08/{year + 1}</DATE_FIN></ANNEE_SCOLAIRE>\n"
           f"<DATE_EXPORT>10/09/{year}</DATE_EXPORT>\n</PARAMETRES>\n<NOMENCLATURES>\n<CIVILITES>\n"
           '<CIVILITE CODE="1"><LIBELLE_COURT>M.</LIBELLE_COURT><LIBELLE_LONG>Monsieur'
           '</LIBELLE_LONG></CIVILITE>\n<CIVILITE CODE="3"><LIBELLE_COURT>MME</LIBELLE_COURT>'
           "<LIBELLE_LONG>Madame</LIBELLE_LONG></CIVILITE>\n</CIVILITES>\n<MATIERES>\n")
    for code, long_label, edition in SUBJECTS:
        yield (f'<MATIERE CODE="{code}"><LIBELLE_COURT>{long_label}</LIBELLE_COURT><LIBELLE_LONG>'
               f"{long_label}</LIBELLE_LONG><LIBELLE_EDITION>{edition}</LIBELLE_EDITION></MATIERE>\n")
    yield "</MATIERES>\n</NOMENCLATURES>\n<DONNEES>\n<INDIVIDUS>\n"
    for k in range(n_staff):
        function = "DIR" if k < heads else OTHER_FUNCTIONS[k % 5] if k < heads + others else "ENS"
        sex = rng.choice("12")
        last = _esc(rng.choice(LAST_NAMES))
        yield (f'<INDIVIDU ID="{10000 + k}" TYPE="epp">\n<SEXE>{sex}</SEXE>\n'
               f"<CIVILITE>{1 if sex == '1' else 3}</CIVILITE>\n<NOM_USAGE>{last}</NOM_USAGE>\n"
               f"<NOM_PATRONYMIQUE>{last}</NOM_PATRONYMIQUE>\n"
               f"<PRENOM>{_esc(rng.choice(FIRST_NAMES))}</PRENOM>\n<DATE_NAISSANCE>"
               f"{rng.randint(1960, 1998)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
               f"</DATE_NAISSANCE>\n<GRADE>{'PERDIR' if function == 'DIR' else 'CERTIFIE'}"
               "</GRADE>\n"
               + (f"<FONCTION>{function}</FONCTION>\n" if function else "")
               + ('<DISCIPLINES><DISCIPLINE CODE="L1300"><LIBELLE_COURT>MATHEMATIQUES'
                  "</LIBELLE_COURT><NB_HEURES>18</NB_HEURES></DISCIPLINE></DISCIPLINES>\n"
                  if function == "ENS" else "") + "</INDIVIDU>\n")
    yield "</INDIVIDUS>\n<STRUCTURE>\n<DIVISIONS>\n"
    teachers = [10000 + k for k in range(heads + others, n_staff)]
    busy = teachers[:-2] if len(teachers) > 3 else teachers  # the last two teach nothing yet

    def services(index: int, subjects: Sequence[tuple[str, str, str]]) -> str:
        parts = []
        for s, (code, _, _) in enumerate(subjects):
            who = busy[(index * 7 + s) % len(busy)] if busy else None
            pair = f'ID="{who}" TYPE="epp"' if s % 2 else f'TYPE="epp" ID="{who}"'
            teacher = f"<ENSEIGNANTS><ENSEIGNANT {pair}><COS_H>3</COS_H></ENSEIGNANT></ENSEIGNANTS>"
            parts.append(f'<SERVICE CODE_MATIERE="{code}" CODE_MOD_COURS="CG">'
                         f"{teacher if who else ''}</SERVICE>\n")
        return f"<SERVICES>\n{''.join(parts)}</SERVICES>\n"

    divisions = sorted({s["div"] for s in people})
    for d in divisions:
        yield (f'<DIVISION CODE="{_division(d)}">\n<LIBELLE_LONG>{_division(d)}</LIBELLE_LONG>\n'
               f"{services(d, SUBJECTS[:6])}</DIVISION>\n")
    yield "</DIVISIONS>\n<GROUPES>\n"
    groups: dict[str, list[int]] = {}
    for d in divisions:
        for g in _groups(d):
            groups.setdefault(g, []).append(d)
    for n, (code, members) in enumerate(sorted(groups.items())):
        subject = SUBJECTS[6] if "ESP" in code else SUBJECTS[1]
        yield (f'<GROUPE CODE="{code}">\n<LIBELLE_LONG>Groupe {code}</LIBELLE_LONG>\n'
               "<DIVISIONS_APPARTENANCE>\n"
               + "".join(f'<DIVISION_APPARTENANCE CODE="{_division(d)}"/>\n' for d in members)
               + f"</DIVISIONS_APPARTENANCE>\n{services(n + 3, [subject])}</GROUPE>\n")
    yield "</GROUPES>\n</STRUCTURE>\n</DONNEES>\n</STS_EDT>\n"


def generate_school(
    out_dir: Path, n_students: int = 4000, n_guardians: int = 8000, n_staff: int = 300,
    uaj: str = "0691234X", year: int = 2025, seed: int = 1, *, per_division: int = 30,
    no_division: int = 3, leavers: float = 0.01, drop_students: float = 0.0,
    extra_students: int = 0, move_students: float = 0.0, keep_dropped_links: bool = False,
    niveau_responsabilite: bool = False, encoding: str = "ISO-8859-15", bom: bool = False,
    promote: bool = False,
) -> dict[str, Path]:
    """Write the three exports of a synthetic school into ``out_dir``.

    :param n_guardians: about how many guardians (siblings share theirs; some families have a
        single legal guardian, some an extra contact with ``RESP_LEGAL`` 0).
    :param no_division: students with no ``STRUCTURES_ELEVE`` at all.
    :param leavers: share of students with a ``DATE_SORTIE`` (5 September of ``year``).
    :param drop_students: share of the ``n_students`` left out of the files (gone this year).
    :param extra_students: newcomers appended after the ``n_students`` (new identifiers).
    :param move_students: share of students moved to another division of the same level.
    :param keep_dropped_links: keep dropped students' guardian links (links to absent students).
    :param niveau_responsabilite: write the post-2018 link shape instead of ``RESP_LEGAL``.
    :param encoding: declared and used encoding (``ISO-8859-15``, ``ISO-8859-1``, ``UTF-8``).
    :param bom: start with a byte order mark (UTF-8 only).
    :param promote: the next school year of the same school (give ``year`` + 1): every student
        goes up a level in the class of the same number (2NDE3 → 1ERE3), TLE students have
        left (graduated), the ``extra_students`` are newcomers in 2NDE classes.
    :returns: ``{"sts": path, "eleves": path, "responsables": path}``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    everyone = _people(n_students + extra_students, seed, per_division, no_division,
                       move_students, leavers, n_students if promote else 0)
    dropped = set(random.Random(seed + 1).sample(range(n_students),
                                                 round(drop_students * n_students)))
    present = [s for s in everyone if s["i"] not in dropped and not s["graduated"]]
    linked = everyone if keep_dropped_links else present
    ratio = n_guardians / max(n_students, 1)
    return {
        "sts": _write(out_dir / f"sts_emp_{uaj}_{year}.xml",
                      _sts(everyone, n_staff, uaj, year, seed), encoding, bom),
        "eleves": _write(out_dir / "ElevesSansAdresses.xml", _eleves(present, uaj, year),
                         encoding, bom),
        "responsables": _write(out_dir / "ResponsablesAvecAdresses.xml",
                               _responsables(everyone, linked, uaj, year, ratio, seed,
                                             niveau_responsabilite), encoding, bom),
    }


def zip_files(paths: Iterable[Path], dest: Path, folder: str = "") -> Path:
    """Zip ``paths`` into ``dest`` (members under ``folder/`` when given), deflated."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, f"{folder}/{path.name}" if folder else path.name)
    return dest


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write a school into a folder and print the paths."""
    parser = argparse.ArgumentParser(description="Génère un établissement fictif (3 exports).")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--students", type=int, default=4000)
    parser.add_argument("--guardians", type=int, default=None)
    parser.add_argument("--staff", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    guardians = 2 * args.students if args.guardians is None else args.guardians
    for kind, path in generate_school(args.out_dir, args.students, guardians, args.staff,
                                      seed=args.seed).items():
        print(f"{kind}: {path} ({path.stat().st_size} octets)")


if __name__ == "__main__":
    main()

"""« Identifiants »: staff logins, students' logins by class, password reset."""

from __future__ import annotations

import re
from html import unescape

from markupsafe import escape


def test_logins_list_staff_and_students_by_class(admin_client, ui, imported) -> None:
    """Staff logins first, then « Liste des identifiants des élèves » class by class."""
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert "benoit.dalembert" in html and "anne-sophie.proviseur" in html
    assert "Liste des identifiants des élèves" in html and "Classe 1ERE1" in html
    assert html.index("benoit.dalembert") < html.index("louise.bernard")


def test_reset_sets_the_birth_date_password_again(admin_client, app, ui, imported) -> None:
    """Resetting a student's password gives back the birth date, to change at next login."""
    assert "Réinitialiser le mot de passe" in admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    state = app.extensions["cpro_siecle"]
    student = next(p for p in state.ledger.people("0691234X") if p.username == "louise.bernard")
    host = state.host
    (user,) = host.find_users("username", ["louise.bernard"])
    host.set_password(user.id, "autre-chose")
    page = admin_client.get(f"{ui.LOGINS_URL}reinitialiser",
                            query_string={"personne": student.key}).get_data(as_text=True)
    assert "Réinitialiser le mot de passe de Louise BERNARD ?" in page and "jjmmaaaa" in page
    response = admin_client.post(
        f"{ui.LOGINS_URL}reinitialiser",
        data={"csrf_token": ui.csrf_token(page), "person_key": student.key},
    )
    assert response.headers["Location"].endswith(f"#p-{student.key.replace(':', '-')}")
    text = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mot de passe réinitialisé pour Louise BERNARD : « 07112009 »" in text
    assert f'id="p-{student.key.replace(":", "-")}"' in text


def test_reset_of_unknown_person_is_a_french_message(admin_client, ui) -> None:
    """An unknown person gives a French message, not a 500."""
    page = admin_client.get(ui.STS_URL).get_data(as_text=True)
    response = admin_client.post(
        f"{ui.LOGINS_URL}reinitialiser",
        data={"csrf_token": ui.csrf_token(page), "person_key": "0691234X:eleve:nope"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Compte inconnu" in response.get_data(as_text=True)


def test_students_logins_print_one_page_per_class(admin_client, ui, imported) -> None:
    """The students' login list downloads as a PDF with one page per class, no cover."""
    pdf = admin_client.get(f"{ui.LOGINS_URL}eleves.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.data.count(b"/Type /Page") - pdf.data.count(b"/Type /Pages") == 3


def test_students_without_class_come_after_the_classes(admin_client, app, ui, imported) -> None:
    """Leavers are former pupils, listed after the classes with their dates, not before 1ERE1."""
    text = ui.ELEVES.read_bytes().decode("iso-8859-15")
    kept = re.sub(r'<ELEVE ELEVE_ID="10(0[4-9]|[12]\d)".*?</ELEVE>\n', "", text, flags=re.S)
    files = {"eleves": (kept.encode("iso-8859-15"), "ElevesSansAdresses.xml")}
    preview = ui.upload(admin_client, ui.STUDENTS_URL, files).get_data(as_text=True)
    ui.run_import(admin_client, app, preview, force=True)
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert html.index("Classe 1ERE1") < html.index("Classe TLE1") < html.index("Anciens élèves (")


def test_staff_function_is_singular(admin_client, ui, imported) -> None:
    """Each staff line says « enseignant » or « personnel de direction », not the plural."""
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert '"Fonction">enseignant</td>' in html and '"Fonction">personnel de direction</td>' in html
    assert '"Fonction">enseignants</td>' not in html



def _guardian(app):
    state = app.extensions["cpro_siecle"]
    guardian = next(p for p in state.ledger.people("0691234X") if p.population == "guardian")
    children = state.ledger.guardian_children("0691234X")[guardian.key]
    return state, guardian, children


def test_guardians_are_listed_with_their_children_and_classes(admin_client, app, ui,
                                                              imported) -> None:
    """Each guardian's row names their children with their class."""
    state, guardian, children = _guardian(app)
    child = state.ledger.person(children[0])
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    row = html.split(f'id="p-{guardian.key.replace(":", "-")}"', 1)[1].split("</tr>", 1)[0]
    assert guardian.username in row and escape(f"{child.lastname} {child.firstname} (") in row


def test_guardian_reset_asks_for_confirmation_then_shows_a_new_password_once(
    admin_client, app, ui, imported
) -> None:
    """The reset link opens a page naming the guardian and their children; nothing changes
    until it is confirmed; then a new random password is shown once, back on their row."""
    state, guardian, children = _guardian(app)
    (user,) = state.host.find_users("username", [guardian.username])
    before = state.host.users[user.id].password
    state.host.users[user.id].force_change = False
    logins = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    link = f"{ui.LOGINS_URL}reinitialiser?personne={guardian.key}"
    assert f'href="{link}"' in logins
    page = admin_client.get(link).get_data(as_text=True)
    name = f"{guardian.firstname} {guardian.lastname}"
    assert escape(f"Réinitialiser le mot de passe de {name} ?") in page
    assert escape(state.ledger.person(children[0]).lastname) in page and "une seule fois" in page
    assert state.host.users[user.id].password == before  # not before confirming
    response = admin_client.post(f"{ui.LOGINS_URL}reinitialiser", data={
        "csrf_token": ui.csrf_token(page), "person_key": ui.hidden(page, "person_key")})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#p-{guardian.key.replace(':', '-')}")
    shown = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    password = state.host.users[user.id].password
    assert password != before and len(password) == 10
    assert escape(f"Nouveau mot de passe de {name} : « {password} »") in shown
    assert state.host.users[user.id].force_change
    assert password not in admin_client.get(ui.LOGINS_URL).get_data(as_text=True)  # once


def test_reset_without_csrf_token_is_refused(admin_client, app, ui, imported) -> None:
    """A reset POST without its token is a 400 and changes nothing."""
    state, guardian, _ = _guardian(app)
    (user,) = state.host.find_users("username", [guardian.username])
    before = state.host.users[user.id].password
    response = admin_client.post(f"{ui.LOGINS_URL}reinitialiser",
                                 data={"person_key": guardian.key})
    assert response.status_code == 400 and state.host.users[user.id].password == before


def test_staff_reset_confirmation_says_the_password_is_not_mailed(admin_client, app, ui,
                                                                   imported) -> None:
    """A teacher's confirmation page names them and says the platform sends no e-mail."""
    state = app.extensions["cpro_siecle"]
    teacher = next(p for p in state.ledger.people("0691234X") if p.population == "teacher")
    page = admin_client.get(f"{ui.LOGINS_URL}reinitialiser",
                            query_string={"personne": teacher.key}).get_data(as_text=True)
    assert escape(f"{teacher.firstname} {teacher.lastname}") in page and "enseignant" in page
    assert "pas par courriel" in page


def test_confirmation_for_an_unknown_person_is_a_french_404(admin_client, ui) -> None:
    """An unknown person key gives a French 404 page."""
    response = admin_client.get(f"{ui.LOGINS_URL}reinitialiser?personne=0691234X:eleve:nope")
    assert response.status_code == 404 and "Compte inconnu" in response.get_data(as_text=True)


def test_large_school_is_listed_part_by_part(admin_client, app, ui, imported,
                                             monkeypatch) -> None:
    """Past ``PER_PAGE`` accounts a school is listed part by part (staff, each class, pages
    of guardians), every account in one part; a reset comes back to its row's part."""
    from cpro_siecle_plugin.admin import logins_pages

    monkeypatch.setattr(logins_pages, "PER_PAGE", 10)
    first = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert "présentée par partie" in first and "benoit.dalembert" in first
    assert "louise.bernard" not in first  # a pupil: in her class's part
    nav = first.split('class="nav nav-pills flex-wrap cpro-parts"', 1)[1].split("</nav>", 1)[0]
    links = [str(unescape(h)) for h in re.findall(r'href="([^"]+)"', nav)]
    assert any("partie=classe" in h for h in links) and any("page=2" in h for h in links)
    shown: list[str] = []
    for link in links:
        shown += re.findall(r'class="cpro-login">([^<]+)<', admin_client.get(link).get_data(
            as_text=True))
    people = app.extensions["cpro_siecle"].ledger.people("0691234X")
    assert sorted(shown) == sorted(p.username for p in people)
    guardian = sorted((p for p in people if p.population == "guardian"),
                      key=lambda p: (p.lastname, p.firstname, p.key))[-1]
    page = admin_client.get(f"{ui.LOGINS_URL}reinitialiser",
                            query_string={"personne": guardian.key}).get_data(as_text=True)
    response = admin_client.post(f"{ui.LOGINS_URL}reinitialiser", data={
        "csrf_token": ui.csrf_token(page), "person_key": guardian.key})
    assert "partie=responsables" in response.headers["Location"]
    back = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="p-{guardian.key.replace(":", "-")}"' in back

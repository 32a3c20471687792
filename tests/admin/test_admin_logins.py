"""« Identifiants »: staff logins, students' logins by class, password reset."""

from __future__ import annotations

import re


def test_logins_list_staff_and_students_by_class(admin_client, ui, imported) -> None:
    """Staff logins first, then « Liste des identifiants des élèves » class by class."""
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert "benoit.dalembert" in html and "anne-sophie.proviseur" in html
    assert "Liste des identifiants des élèves" in html and "Classe 1ERE1" in html
    assert html.index("benoit.dalembert") < html.index("louise.bernard")


def test_reset_sets_the_birth_date_password_again(admin_client, app, ui, imported) -> None:
    """Resetting a student's password gives back the birth date, to change at next login."""
    page = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert "Réinitialiser le mot de passe" in page
    state = app.extensions["cpro_siecle"]
    student = next(p for p in state.ledger.people("0691234X") if p.username == "louise.bernard")
    host = state.host
    (user,) = host.find_users("username", ["louise.bernard"])
    host.set_password(user.id, "autre-chose")
    response = admin_client.post(
        f"{ui.LOGINS_URL}reinitialiser",
        data={"csrf_token": ui.csrf_token(page), "person_key": student.key},
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Mot de passe réinitialisé pour Louise BERNARD : « 07112009 »" in text


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
    """Leavers (« Sans classe ») are listed after the classes, not before 1ERE1."""
    text = ui.ELEVES.read_bytes().decode("iso-8859-15")
    kept = re.sub(r'<ELEVE ELEVE_ID="10(0[4-9]|[12]\d)".*?</ELEVE>\n', "", text, flags=re.S)
    files = {"eleves": (kept.encode("iso-8859-15"), "ElevesSansAdresses.xml")}
    preview = ui.upload(admin_client, ui.STUDENTS_URL, files).get_data(as_text=True)
    ui.run_import(admin_client, app, preview, force=True)
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert html.index("Classe 1ERE1") < html.index("Classe TLE1") < html.index("Sans classe (")


def test_staff_function_is_singular(admin_client, ui, imported) -> None:
    """Each staff line says « enseignant » or « personnel de direction », not the plural."""
    html = admin_client.get(ui.LOGINS_URL).get_data(as_text=True)
    assert "<td>enseignant</td>" in html and "<td>personnel de direction</td>" in html
    assert "<td>enseignants</td>" not in html

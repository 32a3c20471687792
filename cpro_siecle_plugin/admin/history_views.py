"""« Historique des importations » with each run's report, and « Identifiants »."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, flash, redirect, request
from flask_admin import expose

from ..errors import SiecleError
from ..messages import lock_text, msg
from ..reports import report_csv
from ..reports.handouts import Handout, handout_classes, letters_pdf, slips_pdf, staff_pdf
from ..reports.pdf import logins_pdf, report_pdf
from ..reports.render import french_date
from ..reports.report import Report
from ..store.login_parts import LoginsPart
from . import logins_pages
from .forms import ResetPasswordForm, UnlockForm
from .logins_pages import (
    chosen_part,
    class_links,
    guardian_pages,
    is_large,
    part_args,
    part_of,
)
from .logins_view import logins_view
from .presenters import count_rows, function_label, report_sections, row_anchor
from .security import parse_id
from .views import PluginView, posted, refuse


class HistoryView(PluginView):
    """Every run with who, when, files, counts and result; each run's report and downloads."""

    @property
    def _stale_after(self) -> timedelta:
        return self.state.settings.lock_stale_after

    @expose("/")
    def index(self) -> Any:
        scope = self.state.scope()
        locks = [lock for lock in self.state.ledger.locks(stale_after=self._stale_after)
                 if scope.allows(lock.uaj)]
        return self.render(
            "cpro_siecle/history.html",
            runs=self.state.service.history(scope=scope),
            count_rows=count_rows,
            local_time=self.state.local_time,
            locks=[(lock, lock_text(lock, self.state.local_time),
                    UnlockForm(formdata=None, uaj=lock.uaj)) for lock in locks],
        )

    @expose("/verrou", methods=("POST",))
    def unlock(self) -> Any:
        """Release a school's import lock (the admin ticked the confirmation)."""
        form = UnlockForm()
        uaj = form.uaj.data or ""
        self.require_school(uaj, "school_unknown")  # another school's lock: 404, untouched
        if not posted(form):  # a missing or wrong CSRF token is refused (400) in posted()
            flash(msg("unlock_confirm"), "error")
        elif self.state.ledger.unlock(uaj, stale_after=self._stale_after) is None:
            flash(msg("no_lock", uaj=uaj), "warning")
        else:
            flash(msg("unlocked", uaj=uaj), "success")
        return redirect(self.get_url(".index"))

    def _report(self, run_id: int) -> Any:
        if parse_id(run_id) is None:
            refuse(404, msg("run_unknown"))
        try:
            self.require_school(self.state.service.run(run_id).uaj, "run_unknown")
            return self.state.service.report(run_id)
        except (KeyError, LookupError, SiecleError):
            refuse(404, msg("run_unknown"))

    @expose("/<int:run_id>")
    def report(self, run_id: int) -> Any:
        report = self._report(run_id)
        return self.render(
            "cpro_siecle/report.html",
            run_id=run_id,
            report=report,
            date=french_date(report.today),
            sections=report_sections(report),
            handout_classes=handout_classes(report),
        )

    @expose("/<int:run_id>/rapport.csv")
    def csv(self, run_id: int) -> Any:
        # report_csv already starts with the byte-order mark Excel needs: plain UTF-8 here.
        data = report_csv(self._report(run_id)).encode("utf-8")
        return _download(data, "text/csv", f"rapport_importation_{run_id}.csv")

    @expose("/<int:run_id>/rapport.pdf")
    def pdf(self, run_id: int) -> Any:
        data = report_pdf(self._report(run_id))
        return _download(data, "application/pdf", f"rapport_importation_{run_id}.pdf")

    @expose("/<int:run_id>/<any(fiches, lettres, personnels):kind>.pdf")
    def handout(self, run_id: int, kind: str) -> Any:
        """Slips, guardians' letters or the staff sheet, for ``?classe=CODE`` or every class."""
        report = self._report(run_id)
        division = request.args.get("classe") or None
        if division is not None and division not in handout_classes(report):
            refuse(404, msg("class_unknown", code=division))
        render = {"fiches": slips_pdf, "lettres": letters_pdf, "personnels": staff_pdf}[kind]
        data = render(report, self._handout(report), division)
        suffix = f"_{division}" if division else ""
        return _download(data, "application/pdf", f"{kind}_{run_id}{suffix}.pdf")

    def _handout(self, report: Report) -> Handout:
        settings = self.state.settings
        school = self.state.ledger.school(report.uaj)
        name = (school.name if school and school.name else "") or f"Établissement {report.uaj}"
        url = settings.platform_url or settings.moodle_url or request.host_url
        return Handout(name, url.rstrip("/"), report.year)


class LoginsView(PluginView):
    """Staff logins, students' logins by class, and a student's password reset."""

    @expose("/")
    def index(self) -> Any:
        schools, uaj = self._school(request.args.get("etablissement"))
        parts = self.state.ledger.login_parts(uaj) if uaj else None
        part = chosen_part(request.args, parts) if parts and is_large(parts) else None
        settings = self.state.settings
        return self.render(
            "cpro_siecle/logins.html",
            view=logins_view(
                self.state.service.logins(uaj, scope=self.state.scope(), part=part),
                settings.student_login_months,
                settings.retention_months,
            ),
            form=ResetPasswordForm(formdata=None),
            login_months=settings.student_login_months,
            retention_months=settings.retention_months,
            schools=schools,
            school=uaj,
            parts=parts if part else None,
            part=part,
            part_args=part_args,
            guardian_pages=guardian_pages(parts) if parts else 1,
            classes=class_links(parts) if parts else [],
            part_of=part_of,
            per_page=logins_pages.PER_PAGE,
            anchor=row_anchor,
        )
    def _school(self, asked: str | None) -> tuple[list[str], str | None]:
        """The administrator's schools and the one the list shows (``asked``, else the
        first); ``None`` when the ledger has none of theirs. 404 for another school."""
        scope = self.state.scope()
        schools = [u for u in self.state.ledger.school_uajs() if scope.allows(u)]
        if asked and asked not in schools:
            refuse(404, msg("school_unknown"))
        return schools, asked or (schools[0] if schools else None)

    def _row_url(self, line: dict[str, Any]) -> str:
        """Where a person's row (a :meth:`~.SiecleService.login_line`) is listed."""
        uaj, key = str(line["uaj"]), str(line["key"])
        part: LoginsPart | None = None
        if is_large(self.state.ledger.login_parts(uaj)):
            if line["population"] == "guardian":
                part = LoginsPart("guardians", page=self.state.ledger.guardian_page(
                    uaj, key, logins_pages.PER_PAGE))
            elif line["population"] == "student":
                part = LoginsPart("class", str(line["division"]))
        url = self.get_url(".index", etablissement=uaj, **part_args(part))
        return str(url) + "#" + row_anchor(key)

    @expose("/eleves.pdf")
    def students_pdf(self) -> Any:
        uaj = self._school(request.args.get("etablissement"))[1]
        data = logins_pdf(self.state.service.logins(uaj, scope=self.state.scope())["students"])
        return _download(data, "application/pdf", "identifiants_eleves.pdf")

    @expose("/reinitialiser", methods=("GET", "POST"))
    def reset(self) -> Any:
        """GET: the confirmation page naming the person; POST: the reset, back to their row."""
        form = ResetPasswordForm()
        if request.method == "GET":
            return self._confirm_reset(request.args.get("personne", ""))
        if not posted(form):
            refuse(400, msg("form_invalid"))
        key = form.person_key.data or ""
        person = self.state.ledger.person(key)
        if person is not None:
            self.require_school(person.uaj, "account_unknown")
        try:
            password = self.state.service.reset_password(key)
        except SiecleError as exc:
            flash(str(exc), "error")
        else:
            name = f"{person.firstname} {person.lastname}" if person else key
            student = person is not None and person.population == "student"
            flash(msg("password_reset" if student else "password_new", name=name,
                      password=password), "success")
        line = self.state.service.login_line(key) if person is not None else None
        return redirect(self._row_url(line) if line else self.get_url(".index"))

    def _confirm_reset(self, key: str) -> Any:
        person = self.state.service.login_line(key)
        if person is None:
            refuse(404, msg("person_unknown"))
        self.require_school(str(person["uaj"]), "person_unknown")
        form = ResetPasswordForm(formdata=None, person_key=key)
        return self.render("cpro_siecle/reset_confirm.html", person=person, form=form,
                           function_label=function_label,
                           back=self._row_url(person))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""The « Importation SIECLE » pages: thin Flask-Admin views over the service.

Each view gets the plugin's state through its constructor, checks the host's administrator
hook on every request (403 otherwise), and leaves the work to ``SiecleService``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NoReturn

from flask import Response, abort, flash, jsonify, redirect, render_template, request
from flask_admin import BaseView, expose
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain import ExportKind
from ..errors import AnalysisError, SchoolForbiddenError, SiecleError
from ..french import school_year
from ..messages import CATEGORY, ERROR_TITLES, msg
from .forms import ImportForm, StsUploadForm, StudentsUploadForm
from .presenters import count_rows, host_label, problem_rows, summary_rows
from .preview_view import known_people, plan_view, preview_csv
from .security import parse_id
from .status import last_imports
from .uploads import saved_uploads

if TYPE_CHECKING:
    from flask_wtf import FlaskForm

    from .state import PluginState


def refuse(code: int, text: str) -> NoReturn:
    """Stop the request with ``code`` and a French page (never Werkzeug's English one)."""
    page = render_template("cpro_siecle/error.html", title=ERROR_TITLES[code], text=text)
    abort(Response(page, code, mimetype="text/html"))


class PluginView(BaseView):
    """Base of every page: the state in, administrators only, the upload limit set."""

    def __init__(
        self, state: PluginState, name: str, endpoint: str, url: str, visible: bool = True
    ) -> None:
        self.state = state
        self._visible = visible
        super().__init__(name=name, category=CATEGORY, endpoint=endpoint, url=url)

    def is_visible(self) -> bool:
        return self._visible

    def is_accessible(self) -> bool:
        return self.state.is_admin()

    def inaccessible_callback(self, name: Any, **kwargs: Any) -> Any:
        refuse(403, msg("forbidden"))

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        request.max_content_length = self.state.settings.max_upload_bytes
        return super()._handle_view(name, **kwargs)

    def render(self, template: str, **kwargs: Any) -> str:
        """The page, in French for browsers and screen readers (``<html lang="fr">``)."""
        return french_page(super().render(template, **kwargs))

    @property
    def user(self) -> str:
        """Who the host says is logged in (for the history)."""
        return self.state.current_user()

    def require_school(self, uaj: str, unknown: str) -> None:
        """404 with message ``unknown`` (as for something that does not exist) when the
        current administrator does not manage ``uaj``: nothing of another school leaks.
        """
        if not self.state.scope().allows(uaj):
            refuse(404, msg(unknown))


def french_page(html: str) -> str:
    """``html`` with ``lang="fr"`` on its ``<html>`` tag (the host's base template has none)."""
    return _HTML_TAG.sub(r'<html lang="fr"\1', html, count=1)


_HTML_TAG = re.compile(r"<html(?![^>]*\blang=)(\s[^>]*)?(?=>)", re.IGNORECASE)


def confirmation_label(code: str) -> str:
    """The checkbox that gives confirmation ``code``."""
    return "Nouvel établissement" if code == "new_school" else "Forcer"


def posted(form: FlaskForm) -> bool:
    """``True`` for a valid POST; aborts with 400 when the CSRF token is missing or wrong."""
    if request.method != "POST":
        return False
    if not form.validate():
        if "csrf_token" in form.errors:
            refuse(400, msg("form_invalid"))
        return False
    return True


class UploadView(PluginView):
    """An upload page: files in, analysis out, and the dry-run preview when it passes."""

    form_class: type[FlaskForm] = StsUploadForm
    expected: frozenset[ExportKind] = frozenset({ExportKind.STS})
    template = "cpro_siecle/upload_sts.html"

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        try:
            form = self.form_class()
        except RequestEntityTooLarge:
            limit = self.state.settings.max_upload_bytes // (1024 * 1024)
            return self.render(
                self.template,
                form=self.form_class(formdata=None),
                error=msg("too_large", limit=limit),
            ), 413
        if not posted(form):
            return self.render(self.template, form=form, error=None)
        try:
            return self._analyse(form)
        except SchoolForbiddenError as exc:
            return self.render(self.template, form=form, error=str(exc)), 403
        except SiecleError as exc:
            return self.render(self.template, form=form, error=str(exc)), 422

    def render(self, template: str, **kwargs: Any) -> str:
        """Upload pages also say what is already imported (last import of each kind)."""
        if template == self.template:
            kwargs["last"] = last_imports(
                self.state.service, self.state.ledger, self.state.local_time,
                self.state.scope(),
            )
        return super().render(template, **kwargs)

    def _analyse(self, form: Any) -> Any:
        with saved_uploads(form.uploads(), self.state.settings) as files:
            if not files:
                return self.render(self.template, form=form, error=msg("no_file")), 422
            try:
                confirm = form.confirmations()
                preview = self.state.service.preview(files, self.user, expected=self.expected,
                                                     confirm=confirm, scope=self.state.scope())
            except AnalysisError:
                # Only the refusal pays for a second reading: the page shows the summary too.
                analysis = self.state.service.analyse(files, expected=self.expected,
                                                      confirm=confirm, scope=self.state.scope())
                return self.render(
                    "cpro_siecle/analysis.html",
                    summary=summary_rows(analysis.summary),
                    problems=problem_rows(analysis.problems),
                    confirmations=sorted({f"« {confirmation_label(c)} »"
                                          for c in analysis.confirmations}),
                ), 422
        return self._render_preview(preview)

    def _render_preview(self, preview: Any) -> Any:
        form = ImportForm(formdata=None, plan_id=preview.plan_id, checksum=preview.checksum)
        meta = preview.plan.meta
        school = " — ".join(
            str(part)
            for part in (meta.get("uaj"), school_year(meta.get("year")))
            if part
        )
        return self.render(
            "cpro_siecle/preview.html",
            preview=preview,
            form=form,
            school=f"Établissement {school}." if school else "",
            plan=preview_rows(self.state, preview.plan),
            host_label=host_label(preview.preflight.host),
            summary=summary_rows(preview.analysis.summary),
            problems=problem_rows(preview.analysis.problems),
        )


class StudentsUploadView(UploadView):
    """Eleves and Responsables exports, once STS has been imported."""

    form_class = StudentsUploadForm
    expected = frozenset({ExportKind.ELEVES, ExportKind.RESPONSABLES})
    template = "cpro_siecle/upload_students.html"


class EntryView(PluginView):
    """The category's own address: leads to the first step instead of a bare 404."""

    @expose("/")
    def index(self) -> Any:
        return redirect(self.get_url("cpro_siecle_sts.index"))


def preview_rows(state: PluginState, plan: Any) -> dict[str, Any]:
    """The preview's summary and lists, people named as the ledger knows them."""
    uaj = str(plan.meta.get("uaj", ""))
    known = known_people(state.ledger.people(uaj), state.ledger.structures(uaj))
    school = state.ledger.school(uaj)
    return plan_view(plan, known, school.last_year if school else None)


class ImportView(PluginView):
    """Applies a previewed plan in the background and shows its progress."""

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        if request.method == "GET":  # a bookmark or a reload of the refusal page
            return redirect(self.get_url("cpro_siecle_history.index"))
        form = ImportForm()
        if not posted(form):
            refuse(400, msg("form_invalid"))
        if parse_id(form.plan_id.data) is None:
            refuse(404, msg("plan_unknown"))
        if (uaj := self.state.plan_school(form.plan_id.data)) is not None:
            self.require_school(uaj, "plan_unknown")
        try:
            job_id = self.state.start_import(
                form.plan_id.data, form.checksum.data, self.user, bool(form.force.data)
            )
        except SiecleError as exc:
            return self.render("cpro_siecle/refused.html", error=str(exc)), 409
        return redirect(self.get_url(".progress", job_id=job_id))

    @expose("/apercu/<int:plan_id>.csv")
    def preview_csv(self, plan_id: int) -> Any:
        """The previewed plan's people as CSV, for the vie scolaire to check (no password)."""
        try:
            plan = self.state.ledger.get_plan(plan_id)
        except (KeyError, LookupError, SiecleError):
            refuse(404, msg("plan_unknown"))
        self.require_school(str(plan.meta.get("uaj", "")), "plan_unknown")
        data = preview_csv(preview_rows(self.state, plan)).encode("utf-8")
        return Response(
            data,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="apercu_{plan_id}.csv"'},
        )

    @expose("/<job_id>")
    def progress(self, job_id: str) -> Any:
        status = self.state.jobs.status(job_id)
        if status is None or not self.state.scope().allows(status.uaj):
            flash(msg("job_unknown"), "warning")
            return redirect(self.get_url("cpro_siecle_history.index"))
        data = status.to_data()
        return self.render("cpro_siecle/progress.html", job=data, done=self._done(data))

    def _done(self, status: dict[str, Any]) -> dict[str, Any] | None:
        """What a finished import did and the step after it (``students`` after STS alone)."""
        if status["state"] != "done" or status.get("run_id") is None:
            return None
        try:
            run = self.state.service.run(int(status["run_id"]))
        except (LookupError, SiecleError):
            return None
        meta = self.state.ledger.plan_record(run.plan_id).data.get("meta") or {}
        populations = meta.get("populations") or ()
        return {
            "counts": count_rows(run.counts, done=True),
            "next": "students" if list(populations) == ["sts"] else "logins",
        }

    @expose("/<job_id>/status")
    def status(self, job_id: str) -> Any:
        job = self.state.jobs.status(job_id) or abort(404)
        self.require_school(job.uaj, "job_unknown")
        status = job.to_data()
        if status["state"] == "done":
            status["report_url"] = self.get_url(
                "cpro_siecle_history.report", run_id=status["run_id"]
            )
        return jsonify(status)


"""The « Fichiers hors SIECLE » page: the school's own tables, imported like SIECLE exports.

The upload page reuses the SIECLE pages' analysis, preview, import and report (it is an
:class:`.views.UploadView`); here only the form differs, with the templates to download and
each known school's source, which the admin may switch explicitly (confirmation required).
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect
from flask_admin import expose

from ..domain import SOURCE_LABELS, ExportKind
from ..messages import msg
from ..tableur import CSV_ZIP_NAME, WORKBOOK_NAME, csv_zip_bytes, workbook_bytes
from .forms import SheetsUploadForm, SourceForm
from .views import UploadView, posted, refuse

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


class SheetsUploadView(UploadView):
    """Tables filled in by a school outside SIECLE (one workbook, or CSV files)."""

    form_class = SheetsUploadForm
    expected = frozenset(ExportKind)
    template = "cpro_siecle/upload_sheets.html"

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.template:
            scope = self.state.scope()
            kwargs.setdefault("schools", [school for school in self.state.ledger.schools()
                                          if scope.allows(school.uaj)])
            kwargs.setdefault("source_form", SourceForm(formdata=None))
            kwargs["source_labels"] = SOURCE_LABELS
        return super().render(template, **kwargs)

    @expose("/modele.xlsx")
    def workbook(self) -> Any:
        return _download(workbook_bytes(), WORKBOOK_NAME, _XLSX)

    @expose("/modeles-csv.zip")
    def csv_templates(self) -> Any:
        return _download(csv_zip_bytes(), CSV_ZIP_NAME, "application/zip")

    @expose("/source", methods=("POST",))
    def source(self) -> Any:
        form = SourceForm()
        if not posted(form):
            refuse(400, msg("form_invalid"))
        if not form.confirm.data:
            flash(msg("source_unconfirmed"), "warning")
        else:
            uaj = str(form.uaj.data).strip().upper()
            self.require_school(uaj, "school_unknown")
            self.state.ledger.set_source(uaj, str(form.source.data))
            flash(msg("source_changed", uaj=uaj, label=SOURCE_LABELS[str(form.source.data)]),
                  "success")
        return redirect(self.get_url(".index"))

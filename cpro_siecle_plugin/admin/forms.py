"""The plugin's forms: every one a ``FlaskForm``, so every POST carries a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp

from ..domain import SOURCE_LABELS
from ..messages import LABELS
from .uploads import ELEVES_SLOT, RESPONSABLES_SLOT, STS_SLOT, Slot


class _Confirmations:
    """The confirmations an analysis may ask for, ticked before uploading again."""

    new_school = BooleanField(LABELS["new_school"])
    older = BooleanField(LABELS["older"])

    def confirmations(self) -> set[str]:
        """Codes of the confirmations ticked (see ``siecle._checks.check_history``)."""
        out = {"new_school"} if self.new_school.data else set()
        older = self.older.data
        return out | ({"older_year", "older_export"} if older else set())


class StsUploadForm(_Confirmations, FlaskForm):
    """The STS-web export, always imported first."""

    sts = FileField(LABELS["sts"])
    submit = SubmitField(LABELS["analyse"])

    def uploads(self) -> list[tuple[FileStorage | None, Slot]]:
        """The uploaded files with their slots."""
        return [(self.sts.data, STS_SLOT)]


class StudentsUploadForm(_Confirmations, FlaskForm):
    """The Eleves and Responsables exports (each .xml or .zip, or one .zip holding both)."""

    eleves = FileField(LABELS["eleves"])
    responsables = FileField(LABELS["responsables"])
    submit = SubmitField(LABELS["analyse"])

    def uploads(self) -> list[tuple[FileStorage | None, Slot]]:
        """The uploaded files with their slots."""
        return [(self.eleves.data, ELEVES_SLOT), (self.responsables.data, RESPONSABLES_SLOT)]


class SheetsUploadForm(_Confirmations, FlaskForm):
    """The « hors SIECLE » tables: one workbook (.xlsx) or several CSV files at once."""

    fichiers = MultipleFileField(LABELS["sheets"])
    submit = SubmitField(LABELS["analyse"])

    def uploads(self) -> list[tuple[FileStorage | None, Slot | None]]:
        """The uploaded files, each without slot (recognised by its headers when read)."""
        return [(storage, None) for storage in self.fichiers.data or ()]


class SourceForm(FlaskForm):
    """Switches a school between SIECLE and « hors SIECLE » (an explicit, confirmed act)."""

    uaj = StringField(LABELS["uaj"], validators=[DataRequired(), Regexp(r"^\s*\d{7}[A-Za-z]\s*$")])
    source = SelectField(LABELS["source"],
                         choices=[SelectChoice(key, label) for key, label in SOURCE_LABELS.items()])
    confirm = BooleanField(LABELS["source_confirm"])
    submit = SubmitField(LABELS["source_submit"])


class ImportForm(FlaskForm):
    """Confirms the previewed plan: its id and checksum, and force when the brake triggers."""

    plan_id = HiddenField()
    checksum = HiddenField()
    force = BooleanField(LABELS["force"])
    submit = SubmitField(LABELS["import"])


class ResetPasswordForm(FlaskForm):
    """Confirms a password reset: a student's back to the birth date, anyone else's to a new
    random one (change forced at next login)."""

    person_key = HiddenField()
    submit = SubmitField(LABELS["reset"])


class UnlockForm(FlaskForm):
    """Releases a school's import lock, once the admin confirms the import is stopped."""

    uaj = HiddenField()
    confirm = BooleanField(LABELS["unlock_confirm"], validators=[DataRequired()])
    submit = SubmitField(LABELS["unlock"])

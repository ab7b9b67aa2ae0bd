"""Forms of the centre's expert pool, accounts, and score-sheet screens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..labels import CONFLICT_SOURCE
from ..models import ConflictSource
from .round_forms import LOCAL_FORMAT


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for reopening (sent to the expert and kept in the audit log)"),
        validators=[DataRequired(message=_l("Please give the reason for reopening the sheet.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Reopen the sheet"))


class DeadlineForm(FlaskForm):
    deadline = DateTimeLocalField(
        _l("New scoring deadline (Beijing time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Please give a date and time."))],
    )
    submit = SubmitField(_l("Extend the deadline"))


class ImportExpertsForm(FlaskForm):
    file = FileField(
        _l("Expert pool workbook (.xlsx, sheet 专家库)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["xlsx", "csv"], message=_l("Only .xlsx or .csv files can be imported.")),
        ],
    )
    submit = SubmitField(_l("Import"))


class ExpertForm(FlaskForm):
    code = StringField(_l("Expert code (专家编号)"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    org_name = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    org_credit_code = StringField(
        _l("Employer's unified social credit code"), validators=[DataRequired(), Length(max=32)]
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=32)])
    fields = StringField(_l("Fields (separated by ; or 、)"), validators=[DataRequired(), Length(max=500)])
    title = StringField(_l("Professional title"), validators=[Optional(), Length(max=64)])
    max_load = IntegerField(_l("Maximum number of reviews"), validators=[Optional(), NumberRange(min=1, max=100)])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=128)])
    submit = SubmitField(_l("Save"))


class ConflictForm(FlaskForm):
    application_code = StringField(_l("Application no. (申报编号)"), validators=[Optional(), Length(max=32)])
    org_credit_code = StringField(
        _l("or a unit's credit code (every application it leads or joins)"), validators=[Optional(), Length(max=32)]
    )
    source = SelectField(
        _l("Source"),
        choices=[
            SelectChoice(source.value, CONFLICT_SOURCE[source])
            for source in (
                ConflictSource.APPLICANT_NAMED,
                ConflictSource.DECLARED,
                ConflictSource.RULE,
                ConflictSource.MANUAL,
                ConflictSource.OWN_ORG,
            )
        ],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Record the conflict"))


class ActiveForm(FlaskForm):
    active = BooleanField()
    submit = SubmitField(_l("Save"))


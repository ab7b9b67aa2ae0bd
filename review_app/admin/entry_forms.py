"""Forms of the centre's entry screens: the round's list of technical fields, sending an application back
for correction, and correcting an application's field or a member's data at the check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..services.intake import notice
from .round_forms import LOCAL_FORMAT


class FieldListForm(FlaskForm):
    fields = TextAreaField(
        _l("Technical fields, one per line"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 16}
    )
    submit = SubmitField(_l("Save the list"))


class SendBackForm(FlaskForm):
    reasons = TextAreaField(_l("What the city must correct"), validators=[DataRequired(), Length(max=2000)])
    deadline = DateTimeLocalField(
        _l("Correction deadline (Beijing time)"), format=LOCAL_FORMAT, validators=[DataRequired()]
    )
    submit = SubmitField(_l("Send back for correction"))


class FieldCorrectionForm(FlaskForm):
    field = SelectField(_l("Technical field"), validators=[DataRequired()], choices=[])
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Correct the field"))


class MemberCorrectionForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=200)])
    unit_type = SelectField(_l("Unit type"), choices=[SelectChoice(t) for t in notice.UNIT_TYPES])
    is_legal_person = SelectField(
        _l("Independent legal person"),
        choices=[SelectChoice("", _l("Not declared"))] + [SelectChoice(a) for a in notice.LEGAL_ANSWERS],
    )
    qualification = StringField(_l("Qualification or service capability"), validators=[Length(max=500)])
    credit_standing = SelectField(_l("Credit record"), choices=[SelectChoice(s) for s in notice.CREDIT_STANDINGS])
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Correct the member unit"))

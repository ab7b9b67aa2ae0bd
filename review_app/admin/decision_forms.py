"""Forms of the centre's close of a round: the public notice, an objection received, its investigation
and its answer, the final decision."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import ObjectionAnswer, ObjectionChannel
from ..services.decision.labels import OBJECTION_ANSWER, OBJECTION_CHANNEL


class PublicityForm(FlaskForm):
    starts_on = DateField(_l("First day of the notice"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day of the notice (empty: the default number of working days)"),
                        validators=[Optional()])
    working_days = IntegerField(_l("Working days (when no last day is given)"),
                                validators=[Optional(), NumberRange(min=1, max=60)])
    contact = TextAreaField(_l("The centre's contact for objections"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Start the public notice"))


class ObjectionForm(FlaskForm):
    application_id = SelectField(_l("Application"), coerce=int, validators=[InputRequired()])
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    channel = SelectField(_l("Received by"), choices=[SelectChoice(c.value, OBJECTION_CHANNEL[c])
                                                      for c in ObjectionChannel])
    real_name = BooleanField(_l("In real name"), default=True)
    objector = StringField(_l("Objector"), validators=[Length(max=200)])
    contact = StringField(_l("Objector's contact for the answer (e-mail or mobile)"), validators=[Length(max=200)])
    content = TextAreaField(_l("What the objection says"), validators=[DataRequired(), Length(max=10_000)])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    files = MultipleFileField(_l("Attachments (PDF)"))
    submit = SubmitField(_l("Record the objection"))


class HandleForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("Handling deadline"), validators=[Optional()])
    notes = TextAreaField(_l("Investigation notes"), validators=[Length(max=10_000)])
    submit = SubmitField(_l("Save the investigation"))


class AnswerForm(FlaskForm):
    answer = SelectField(_l("Answer"), choices=[SelectChoice(a.value, OBJECTION_ANSWER[a]) for a in ObjectionAnswer])
    changes = TextAreaField(_l("What the adjustment changes"), validators=[Length(max=2000)])
    removes = BooleanField(_l("The application leaves the list (adjustment)"))
    adds_application_id = SelectField(_l("Application entering the list (adjustment)"), coerce=int,
                                      validators=[Optional()])
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Send the answer"))


class DecisionForm(FlaskForm):
    document_no = StringField(_l("Document number (文号)"), validators=[DataRequired(), Length(max=100)])
    decided_on = DateField(_l("Date of the decision"), validators=[InputRequired()])
    submit = SubmitField(_l("Record the final decision and lock the round"))

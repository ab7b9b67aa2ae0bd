"""Forms of the centre's results screen: aggregate, cut off, select by hand, reopen an approval."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..labels import AGGREGATION_METHOD


class AggregateForm(FlaskForm):
    method = SelectField(_l("Method"), choices=[SelectChoice(k, v) for k, v in AGGREGATION_METHOD.items()])
    seed = IntegerField(_l("Seed of the rank intervals"), default=0, validators=[NumberRange(min=0, max=2**31 - 1)])
    submit = SubmitField(_l("Aggregate the scores"))


class CutoffForm(FlaskForm):
    cutoff = IntegerField(
        _l("Select the applications ranked up to"), validators=[InputRequired(), NumberRange(min=0, max=10_000)]
    )
    submit = SubmitField(_l("Apply the cut-off"))


class SelectForm(FlaskForm):
    selected = SelectField(
        _l("Decision"), choices=[SelectChoice("1", _l("Select")), SelectChoice("0", _l("Do not select"))]
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Withdraw the approval and reopen"))

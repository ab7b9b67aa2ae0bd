"""Forms of the grades screen of an annual round: the grading rule, a change of one grade by hand."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..services.results.labels import GRADE, GRADE_METHOD


def _points(label) -> DecimalField:
    return DecimalField(label, places=2, validators=[InputRequired(), NumberRange(min=0, max=100)])


class GradeRuleForm(FlaskForm):
    method = SelectField(_l("How Excellent is given"), choices=[SelectChoice(k, v) for k, v in GRADE_METHOD.items()])
    excellent_min = _points(_l("Excellent from (points)"))
    excellent_share = IntegerField(
        _l("Share of Excellent (%)"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    good_min = _points(_l("Good from (points)"))
    pass_min = _points(_l("Satisfactory from (points)"))
    submit = SubmitField(_l("Save the rule"))


class GradeChangeForm(FlaskForm):
    grade = SelectField(_l("New grade"), choices=[SelectChoice(k, v) for k, v in GRADE.items()])
    reason = TextAreaField(_l("Reason for the change"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Change the grade"))

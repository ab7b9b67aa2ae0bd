"""Forms of the centre's round, import and formal-check screens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..labels import ROUND_KIND, VERDICT
from ..models import RoundKind, Verdict
from ..services.platform.localtime import to_local, to_utc

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what a datetime-local field sends, in Beijing time


class RoundCreateForm(FlaskForm):
    name = StringField(_l("Round name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, ROUND_KIND[k]) for k in RoundKind])
    year = IntegerField(_l("Year"), default=2026, validators=[InputRequired(), NumberRange(2000, 2100)])
    submit = SubmitField(_l("Create round"))


class RoundSettingsForm(FlaskForm):
    name = StringField(_l("Round name"), validators=[DataRequired(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    city_deadline = DateTimeLocalField(
        _l("Deadline for city submission (Beijing time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    check_deadline = DateTimeLocalField(
        _l("Deadline for the formal check (Beijing time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    scoring_deadline = DateTimeLocalField(
        _l("Deadline for scoring (Beijing time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    experts_per_application = IntegerField(
        _l("Experts per application"), validators=[InputRequired(), NumberRange(1, 15)]
    )
    max_load = IntegerField(_l("Maximum load per expert"), validators=[InputRequired(), NumberRange(1, 200)])
    min_load = IntegerField(_l("Minimum load per expert"), validators=[InputRequired(), NumberRange(0, 200)])
    city_quota = IntegerField(_l("City quota"), validators=[InputRequired(), NumberRange(min=1)])  # ≤ MAX_CITY_QUOTA
    avoid_same_city = BooleanField(_l("Avoid experts from the applicant's city"))
    org_diverse = BooleanField(_l("At most one expert per organisation on a panel"))
    pledge_text = TextAreaField(_l("Expert pledge (评审承诺书)"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Save settings"))

    def values(self) -> dict:
        data = {name: getattr(self, name).data for name in _SETTINGS}
        for name in ("city_deadline", "check_deadline", "scoring_deadline"):
            data[name] = to_utc(data[name])
        data["pledge_text"] = data["pledge_text"] or ""
        return data

    def fill(self, review_round) -> None:
        for name in _SETTINGS:
            value = getattr(review_round, name)
            getattr(self, name).data = to_local(value) if name.endswith("_deadline") else value


_SETTINGS = (
    "name",
    "year",
    "city_deadline",
    "check_deadline",
    "scoring_deadline",
    "experts_per_application",
    "max_load",
    "min_load",
    "city_quota",
    "avoid_same_city",
    "org_diverse",
    "pledge_text",
)


class CriterionRow(Form):
    title = StringField(_l("Criterion"), validators=[Length(max=200)])
    max_points = IntegerField(_l("Points"), validators=[Optional(), NumberRange(0, 100)])
    descriptors = TextAreaField(_l("Level descriptors"), validators=[Length(max=2000)])


class CriteriaForm(FlaskForm):
    rows = FieldList(FormField(CriterionRow), min_entries=1, max_entries=30)
    add_row = SubmitField(_l("Add a criterion"))
    reset = SubmitField(_l("Restore the default sheet"))
    submit = SubmitField(_l("Save the criteria"))

    def values(self) -> list[tuple[str, int, str]]:
        return [
            (row.form.title.data or "", row.form.max_points.data, row.form.descriptors.data or "")
            for row in self.rows
            if (row.form.title.data or "").strip()
        ]


class StageForm(FlaskForm):
    to_stage = HiddenField(validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("Workbook (.xlsx) or CSV file"), validators=[FileRequired()])
    second = FileField(_l("Second CSV file (optional: the other sheet)"))
    submit = SubmitField(_l("Import"))


VERDICT_CHOICES = [SelectChoice(verdict.value, VERDICT[verdict]) for verdict in Verdict]


class OverrideForm(FlaskForm):
    verdict = SelectField(_l("New verdict"), choices=VERDICT_CHOICES)
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Override the verdict"))


class BulkOverrideForm(FlaskForm):
    """The failing verdicts of one rule to override together (their result ids; the choices are the rule's
    failing verdicts, set by the view), or every one failing now, with one verdict and one reason."""

    results = SelectMultipleField(_l("Applications"), coerce=int, validate_choice=False)
    every_failing = BooleanField(_l("All applications failing this rule"))
    verdict = SelectField(_l("New verdict"), choices=VERDICT_CHOICES, default=Verdict.PASS.value)
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[DataRequired(), Length(min=4, max=2000)])
    submit = SubmitField(_l("Override the selected verdicts"))

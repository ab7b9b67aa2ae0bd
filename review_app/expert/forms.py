"""Forms of the expert's workspace: the pledge, the conflict declaration, the score sheet, its submission."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..hardening import DB_INT_MAX


class ExpertiseForm(FlaskForm):
    """What the expert works on, which the assignment matches against the applications' texts."""

    research_areas = TextAreaField(_l("Research areas (研究方向)"), validators=[Length(max=500)])
    achievements = TextAreaField(_l("Representative achievements (代表性成果)"), validators=[Length(max=2000)])
    keywords = StringField(_l("Keywords (关键词, separated by ;)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save my expertise"))

    def fill(self, expert) -> None:
        self.research_areas.data, self.achievements.data = expert.research_areas, expert.achievements
        self.keywords.data = expert.keywords.replace(";", "; ")


class PledgeForm(FlaskForm):
    accept = BooleanField(
        _l("I have read the pledge and accept it."),
        validators=[DataRequired(message=_l("Please tick the box to accept the pledge."))],
    )
    submit = SubmitField(_l("Accept and continue"))


class DeclarationForm(FlaskForm):
    declaration = RadioField(
        _l("Conflict of interest"),
        choices=[
            SelectChoice("none", _l("I have no conflict of interest with this application (无利益冲突)")),
            SelectChoice("conflict", _l("I have a conflict of interest and withdraw (申请回避)")),
        ],
        validators=[InputRequired(message=_l("Please choose one of the two declarations."))],
    )
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Confirm declaration"))


class SheetForm(FlaskForm):
    """The score sheet's fixed fields; the points of each criterion arrive as `points_<id>` and are
    checked by the review service (the same rules for the form and for autosave)."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=DB_INT_MAX)])
    comment = TextAreaField(_l("Review comment (评审意见)"))
    recommend = RadioField(
        _l("Recommendation"),
        choices=[SelectChoice("yes", _l("Recommend (推荐)")), SelectChoice("no", _l("Do not recommend (不推荐)"))],
        validate_choice=False,
    )
    save = SubmitField(_l("Save draft"))
    review = SubmitField(_l("Check and submit…"))


class SubmitSheetForm(FlaskForm):
    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Submit the sheet now"))

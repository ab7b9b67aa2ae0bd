"""Forms of the expert's workspace: the pledge, the conflict declaration, the score sheet's post, its submission."""

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..hardening import db_int
from ..services.review import sheets


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


@dataclass(frozen=True)
class SheetPost:
    """A post of the score sheet (the form's save and review buttons, and autosave): the version the page was
    made from (None when missing or not a database integer), whether the expert asked to go on to submitting,
    and what they typed. The points of each criterion arrive as `points_<id>` and are checked by the review
    service (the same rules for the form and for autosave)."""

    version: int | None
    review: bool
    entries: sheets.Entries


def read_sheet_post(form: Mapping[str, str]) -> SheetPost:
    """Read a sheet's post. Not a WTForms form: CSRFProtect has checked the post's token before the view (on
    every post, app-wide), and a form would translate a label for each field and sign a new token that no
    page shows: a tenth of a save's cost (issue 20). The page writes the fields itself (expert/sheet.html)."""
    points = {}
    for key, value in form.items():
        if key.startswith("points_"):
            try:
                points[db_int(key.removeprefix("points_"))] = value
            except ValueError:  # no criterion has that id: ignored like any unknown field
                continue
    entries = sheets.Entries(points=points, comment=form.get("comment", ""), recommend=form.get("recommend", ""))
    return SheetPost(version=posted_version(form), review="review" in form, entries=entries)


def posted_version(form: Mapping[str, str]) -> int | None:
    """The sheet version a post was made from (its hidden `version` field), or None when it is missing or not a
    whole number the database can hold."""
    try:
        return db_int(form.get("version") or "")
    except ValueError:
        return None


class SubmitSheetForm(FlaskForm):
    """The confirmation page's button (rendered by WTForms); its post is read by `posted_version`."""

    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Submit the sheet now"))

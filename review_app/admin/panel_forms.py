"""Forms of the panel console (panel mode: 分组评审/会评)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FileField, IntegerField, MultipleFileField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .assignment_forms import PinForm


class PanelSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Review this round in panels (meeting review)"))
    min_size = IntegerField(_l("Smallest panel (experts)"), default=5, validators=[NumberRange(min=1, max=30)])
    max_size = IntegerField(_l("Largest panel (experts)"), default=7, validators=[NumberRange(min=1, max=30)])
    with_leader = BooleanField(_l("Each panel has a leader (组长)"), default=True)
    recusal = BooleanField(_l("A conflicted expert recuses from that application only and stays on the panel"))
    max_group_apps = IntegerField(_l("Most applications per proposed group"), default=8,
                                  validators=[NumberRange(min=1, max=50)])
    submit = SubmitField(_l("Save"))


class MoveForm(FlaskForm):
    application_code = StringField(_l("Application no."), validators=[DataRequired(), Length(max=32)])
    number = IntegerField(_l("Group no. (empty: a new group)"), validators=[Optional(), NumberRange(min=1, max=999)])
    submit = SubmitField(_l("Move"))


class GroupFieldForm(FlaskForm):
    field = StringField(_l("Field"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Save"))


class PanelRunForm(FlaskForm):
    seed = IntegerField(
        _l("Random seed (recorded, so the draw can be reproduced)"),
        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)],
    )
    submit = SubmitField(_l("Choose the panels"))


class PanelPinForm(PinForm):
    """A pin or forbid of an expert on a group's panel: the online pin form with a group for an application."""

    application_code = None
    number = IntegerField(_l("Group no."), validators=[DataRequired(), NumberRange(min=1, max=999)])


class MeetingForm(FlaskForm):
    meeting_date = DateField(_l("Meeting date"), validators=[Optional()])
    room = StringField(_l("Room"), validators=[Length(max=100)])
    start_time = StringField(_l("Start (HH:MM)"), default="09:00", validators=[DataRequired(), Length(max=5)])
    slot_minutes = IntegerField(_l("Minutes per application"), default=30, validators=[NumberRange(min=5, max=240)])
    submit = SubmitField(_l("Save"))


class LotForm(FlaskForm):
    seed = IntegerField(_l("Seed of the lot (empty: drawn at random and recorded)"),
                        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
    submit = SubmitField(_l("Draw the order of defence"))


class WorkbookImportForm(FlaskForm):
    files = MultipleFileField(_l("Filled score workbooks (.xlsx)"), validators=[DataRequired()])
    submit = SubmitField(_l("Import and submit"))


class ScanForm(FlaskForm):
    expert_code = StringField(_l("Expert code (empty: the panel's opinion sheet)"), validators=[Length(max=32)])
    file = FileField(_l("Scan of the signed sheet (PDF, JPEG or PNG)"), validators=[DataRequired()])
    submit = SubmitField(_l("Upload"))

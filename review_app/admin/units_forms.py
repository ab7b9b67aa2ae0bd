"""Forms of the centre's register of units and its 失信 list."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class RegisterEntryForm(FlaskForm):
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=200)])
    kind = StringField(_l("Unit type"), validators=[Optional(), Length(max=32)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=32)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=32)])
    is_legal_person = BooleanField(_l("Independent legal person"))
    submit = SubmitField(_l("Save"))


class CreditListForm(FlaskForm):
    file = FileField(
        _l("失信 list (.xlsx, sheet 失信名单, or .csv)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["xlsx", "csv"], message=_l("Only .xlsx or .csv files can be imported.")),
        ],
    )
    submit = SubmitField(_l("Import"))

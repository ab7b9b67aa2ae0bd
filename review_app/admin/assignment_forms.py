from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class RunForm(FlaskForm):
    seed = IntegerField(
        _l("Random seed (recorded, so the draw can be reproduced)"),
        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)],
    )
    fair = BooleanField(_l("Fair panels: strengthen the weakest panel first"))
    balance = BooleanField(_l("Balance: make the experts' loads as even as possible first"))
    submit = SubmitField(_l("Run the assignment"))


class PinForm(FlaskForm):
    application_code = StringField(_l("Application no."), validators=[DataRequired(), Length(max=32)])
    expert_code = StringField(_l("Expert code"), validators=[DataRequired(), Length(max=32)])
    kind = SelectField(
        _l("Rule"),
        choices=[SelectChoice("pin", _l("Must be on the panel")), SelectChoice("forbid", _l("Must not be"))],
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add"))

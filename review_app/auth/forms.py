from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ActivationCodeForm(FlaskForm):
    """The one-time token of an activation link, posted by the page's script from the link's fragment."""

    token = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Continue"))


class ActivateForm(FlaskForm):
    """Setting the password with a one-time activation link (expert accounts from the pool)."""

    token = HiddenField(validators=[DataRequired(), Length(max=128)])

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )
    submit = SubmitField(_l("Set my password"))


class SecondFactorForm(FlaskForm):
    """The six digits of the authenticator app, or one of the one-time recovery codes."""

    code = StringField(
        _l("Code"), validators=[DataRequired(), Length(max=32)], render_kw={"autocomplete": "one-time-code"}
    )
    submit = SubmitField(_l("Confirm"))

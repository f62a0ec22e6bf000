from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from crm.clock import timezone_names
from crm.forms import BaseForm


class LoginForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class AcceptInvitationForm(BaseForm):
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=10, max=256, message="Use at least 10 characters.")],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )
    timezone = SelectField("Your time zone", default="America/New_York")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()


__all__ = ["AcceptInvitationForm", "Email", "LoginForm", "StringField"]

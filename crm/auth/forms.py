from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from crm.clock import timezone_names
from crm.forms import BaseForm

NEW_PASSWORD = [
    DataRequired(),
    Length(min=10, max=256, message="Use at least 10 characters (at most 256)."),
]


class LoginForm(BaseForm):
    """Sign in with email and password."""

    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class TwoFactorForm(BaseForm):
    """The second sign-in step: an authenticator or recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=32)],
        description="The 6 digits your authenticator app shows now, or a recovery code.",
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class ForgotPasswordForm(BaseForm):
    """Ask for a password-reset link by email."""

    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254), Email(message="Enter an email address.")],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(BaseForm):
    """Choose a new password from a reset link."""

    password = PasswordField(
        "New password", validators=NEW_PASSWORD, render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class AcceptInvitationForm(BaseForm):
    """Accept an invitation: choose a password and a time zone."""

    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=10, max=256, message="Use at least 10 characters.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    timezone = SelectField("Your time zone", default="America/New_York")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()


__all__ = [
    "AcceptInvitationForm",
    "Email",
    "ForgotPasswordForm",
    "LoginForm",
    "ResetPasswordForm",
    "StringField",
    "TwoFactorForm",
]

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from crm.clock import timezone_names
from crm.forms import STATE_CHOICES, BaseForm, fits
from crm.models import User

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ProfileForm(BaseForm):
    """The member's profile and email preferences."""

    name = StringField("Name", validators=[DataRequired(), fits(User.name)])
    preferred_name = StringField(
        "What should we call you?",
        validators=[Optional(), fits(User.preferred_name)],
        description="Used in greetings and emails. Empty: your first name.",
    )
    organization = StringField("Organization", validators=[Optional(), fits(User.organization)])
    home_state = SelectField("Home state", choices=STATE_CHOICES)
    timezone = SelectField("Time zone")
    digest_enabled = BooleanField("Send me the weekly digest")
    digest_weekday = SelectField("Digest day", coerce=int, choices=list(enumerate(WEEKDAYS)))
    digest_hour = SelectField(
        "Digest hour", coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    reminders_enabled = BooleanField("Email me reminders about my assignments")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_names()


class ChangePasswordForm(BaseForm):
    """Change the password, giving the current one."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=10, max=256, message="Use at least 10 characters (at most 256)."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class EnableTwoFactorForm(BaseForm):
    """Turn on two-factor sign-in with a code from the authenticator app."""

    code = StringField(
        "Code from the app",
        validators=[DataRequired(message="Enter the code."), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableTwoFactorForm(BaseForm):
    """Turn off two-factor sign-in, giving the password."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class ApiTokenForm(BaseForm):
    """Create a personal API token: its name, write access and lifetime."""

    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="What will use it, e.g. “Sign-up form sync”.",
    )
    write = BooleanField("Allow changes (write): log contacts, edit people and assignments")
    expires_in_days = SelectField(
        "Expires after",
        coerce=int,
        choices=[(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "1 year")],
        default=90,
    )

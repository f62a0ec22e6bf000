from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from crm.clock import timezone_names
from crm.forms import STATE_CHOICES, BaseForm, fits
from crm.models import User

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class ProfileForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), fits(User.name)])
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

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import BaseForm
from crm.models import INTERACTION_KINDS


class IntList(SelectMultipleField):
    """Ids chosen with the picker; the service checks that they exist."""

    def pre_validate(self, form):
        pass

    def process_formdata(self, valuelist):
        out = []
        for value in valuelist:
            for part in str(value).split(","):
                part = part.strip()
                if part.isascii() and part.isdigit() and len(part) < 12:
                    out.append(int(part))
                elif part:
                    raise ValueError("Invalid choice.")
        self.data = out


class InteractionForm(BaseForm):
    people = IntList("Who did you contact?", coerce=int)
    occurred_at = DateTimeLocalField("When", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[DataRequired(message="Enter the date and time.")])
    kind = SelectField("Kind", choices=list(INTERACTION_KINDS.items()), default="meeting")
    subject = StringField("Subject", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=50000)],
                          description="Markdown: **bold**, lists, links.")
    outcome = TextAreaField("Outcome", validators=[Optional(), Length(max=5000)])
    members = IntList("Members present", coerce=int)
    issues = IntList("Issues discussed", coerce=int)
    private = BooleanField("Private: only me, the members present and coordinators can see it")
    submission_key = HiddenField()
    version = HiddenField()
    # Outreach: follow-ups to add to my work, and my open assignments this contact completes.
    follow_ups = IntList("Follow-ups", coerce=int)
    custom_follow_up = StringField("Another follow-up", validators=[Optional(), Length(max=200)])
    custom_due_in_days = IntegerField("Due in (days)", default=7,
                                      validators=[Optional(), NumberRange(min=0, max=365)])
    complete_assignments = IntList("Mark done", coerce=int)

    def validate_people(self, field):
        if not field.data:
            from wtforms.validators import ValidationError

            raise ValidationError("Choose at least one person you contacted.")

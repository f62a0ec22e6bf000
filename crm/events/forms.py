"""Forms of the advocacy days (shape only; the services check the rules)."""

from datetime import time

from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import BaseForm, IdField, IdList
from crm.ids import coerce_id
from crm.models import STANCES


class DayForm(BaseForm):
    """Create or edit an advocacy day: date, place, hours, meeting length and gap, issue or bill,
    members, notes."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    day = DateField("Date", validators=[DataRequired()])
    place = StringField(
        "Place", validators=[Optional(), Length(max=200)], default="Capitol Hill, Washington DC"
    )
    timezone = StringField(
        "Time zone", validators=[DataRequired(), Length(max=64)], default="America/New_York"
    )
    starts = TimeField("First meeting", default=time(9, 0), validators=[DataRequired()])
    ends = TimeField("Last meeting ends", default=time(17, 0), validators=[DataRequired()])
    meeting_minutes = IntegerField(
        "Minutes per meeting", default=30, validators=[DataRequired(), NumberRange(10, 240)]
    )
    min_gap_minutes = IntegerField(
        "Minimum gap between meetings (minutes)",
        default=10,
        validators=[Optional(), NumberRange(0, 120)],
    )
    issue_id = SelectField("Issue", coerce=coerce_id)
    bill_id = SelectField("Bill", coerce=coerce_id)
    members = IdList("Members attending", coerce=int)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

    def day_data(self) -> dict:
        """The submitted day fields for the service (no minimum gap given means 0)."""
        from crm.events.services import DAY_FIELDS

        data = {k: getattr(self, k).data for k in DAY_FIELDS}
        data["min_gap_minutes"] = data["min_gap_minutes"] or 0
        return data


class TargetsForm(BaseForm):
    """Add offices to a day's targets: members of Congress from some states (and chamber), or one
    office."""

    states = StringField(
        "Members of Congress from (state codes)",
        validators=[Optional(), Length(max=200)],
        description="e.g. TX NY FL",
    )
    chamber = SelectField(
        "Chamber", choices=[("", "Both"), ("upper", "Senate"), ("lower", "House")], default=""
    )
    # Its own id: the meeting form on the same page has a person_id field too.
    person_id = IdField("Or one office (person id)", id="target_person_id")


class MeetingForm(BaseForm):
    """Schedule one meeting of the day by hand: office, time, who attends, lead, room."""

    person_id = SelectField("Office", coerce=coerce_id, validators=[DataRequired()])
    starts = TimeField("Time", validators=[DataRequired()])
    members = IdList("Attending", coerce=int)
    lead_id = SelectField("Lead", coerce=coerce_id)
    room = StringField("Room", validators=[Optional(), Length(max=60)])


class DebriefForm(BaseForm):
    """Debrief a meeting: what happened, their position now, any commitment, notes."""

    outcome = TextAreaField("What happened", validators=[Optional(), Length(max=5000)])
    stance = SelectField(
        "Their position now", choices=[("", "Not stated"), *STANCES.items()], default=""
    )
    commitment = StringField("Commitment", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])

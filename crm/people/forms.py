from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import STATE_CHOICES, BaseForm, fits, id_select
from crm.models import CHAMBERS, LEVELS, PERSON_KINDS, TIERS, Person


def choices(mapping, blank="—"):
    """Select choices from a mapping, after a blank first choice."""
    return [("", blank), *mapping.items()]


class PersonForm(BaseForm):
    """Add or edit a person in the directory."""

    kind = SelectField("Kind", choices=list(PERSON_KINDS.items()), default="legislator")
    first_name = StringField("First name", validators=[Optional(), fits(Person.first_name)])
    middle_name = StringField("Middle name", validators=[Optional(), fits(Person.middle_name)])
    last_name = StringField("Last name", validators=[DataRequired(), fits(Person.last_name)])
    suffix = StringField("Suffix", validators=[Optional(), fits(Person.suffix)])
    nickname = StringField("Goes by", validators=[Optional(), fits(Person.nickname)])
    title = StringField("Title", validators=[Optional(), fits(Person.title)])
    organization_id = id_select("Organization")
    level = SelectField("Level", choices=choices(LEVELS), default="")
    chamber = SelectField("Chamber", choices=choices(CHAMBERS), default="")
    state = SelectField("State", choices=STATE_CHOICES, default="")
    district = StringField(
        "District",
        validators=[Optional(), fits(Person.district)],
        description='"0" for an at-large seat',
    )
    party = StringField("Party", validators=[Optional(), fits(Person.party)])
    in_office = BooleanField("In office", default=True)
    email = StringField("Email", validators=[Optional(), fits(Person.email)])
    phone = StringField("Phone", validators=[Optional(), fits(Person.phone)])
    website = StringField("Website", validators=[Optional(), fits(Person.website)])
    contact_form = StringField("Contact form", validators=[Optional(), fits(Person.contact_form)])
    tier = SelectField("Tier", choices=list(TIERS.items()), default="unknown")
    holder_id = id_select("Relationship holder")
    cadence_days = IntegerField(
        "Keep in touch every (days)", validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])
    version = HiddenField()

    def data_for_service(self) -> dict:
        """The submitted fields for the service (without the CSRF token and version)."""
        return {k: v for k, v in self.data.items() if k not in {"csrf_token", "version"}}

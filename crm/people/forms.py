from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import STATE_CHOICES, BaseForm
from crm.models import CHAMBERS, LEVELS, PERSON_KINDS, TIERS


def choices(mapping, blank="—"):
    return [("", blank), *mapping.items()]


class PersonForm(BaseForm):
    kind = SelectField("Kind", choices=list(PERSON_KINDS.items()), default="legislator")
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    middle_name = StringField("Middle name", validators=[Optional(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    suffix = StringField("Suffix", validators=[Optional(), Length(max=20)])
    nickname = StringField("Goes by", validators=[Optional(), Length(max=100)])
    title = StringField("Title", validators=[Optional(), Length(max=200)])
    organization_id = SelectField(
        "Organization", coerce=lambda v: int(v) if v else None, validate_choice=False
    )
    level = SelectField("Level", choices=choices(LEVELS), default="")
    chamber = SelectField("Chamber", choices=choices(CHAMBERS), default="")
    state = SelectField("State", choices=STATE_CHOICES, default="")
    district = StringField(
        "District", validators=[Optional(), Length(max=20)], description='"0" for an at-large seat'
    )
    party = StringField("Party", validators=[Optional(), Length(max=40)])
    in_office = BooleanField("In office", default=True)
    email = StringField("Email", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    website = StringField("Website", validators=[Optional(), Length(max=500)])
    contact_form = StringField("Contact form", validators=[Optional(), Length(max=500)])
    tier = SelectField("Tier", choices=list(TIERS.items()), default="unknown")
    holder_id = SelectField(
        "Relationship holder", coerce=lambda v: int(v) if v else None, validate_choice=False
    )
    cadence_days = IntegerField(
        "Keep in touch every (days)", validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])
    version = HiddenField()

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.data.items() if k not in {"csrf_token", "version"}}

"""The organization form (shape only; the service checks parents and contact fields)."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import US_STATES, BaseForm, fits
from crm.ids import coerce_id
from crm.models import ORG_KINDS, Organization

JURISDICTIONS = [("US", "Federal (US)")] + [
    (code, f"{name} ({code})") for code, name in sorted(US_STATES.items(), key=lambda kv: kv[1])
]


class OrganizationForm(BaseForm):
    """Add or edit an organization."""

    name = StringField("Name", validators=[DataRequired(), fits(Organization.name)])
    kind = SelectField("Kind", choices=list(ORG_KINDS.items()), default="federal_agency")
    jurisdiction = SelectField("Jurisdiction", choices=JURISDICTIONS, default="US")
    parent_id = SelectField("Part of", coerce=coerce_id)
    website = StringField("Website", validators=[Optional(), fits(Organization.website)])
    phone = StringField("Phone", validators=[Optional(), fits(Organization.phone)])
    email = StringField("Email", validators=[Optional(), fits(Organization.email)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])

    def data_for_service(self) -> dict:
        """The submitted fields for the service (without the CSRF token)."""
        return {k: v for k, v in self.data.items() if k != "csrf_token"}

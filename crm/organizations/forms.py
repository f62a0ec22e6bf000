"""The organization form (shape only; the service checks parents and contact fields)."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import US_STATES, BaseForm
from crm.models import ORG_KINDS

JURISDICTIONS = [("US", "Federal (US)")] + [
    (code, f"{name} ({code})") for code, name in sorted(US_STATES.items(), key=lambda kv: kv[1])
]


def optional_id(value):
    """'' -> None, digits -> int; anything else is left for the choice check to refuse."""
    text = str(value or "").strip()
    # A (None, "—") choice is rendered as value="None", so that is what a browser sends back.
    if not text or text == "None":
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


class OrganizationForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=255)])
    kind = SelectField("Kind", choices=list(ORG_KINDS.items()), default="federal_agency")
    jurisdiction = SelectField("Jurisdiction", choices=JURISDICTIONS, default="US")
    parent_id = SelectField("Part of", coerce=optional_id)
    website = StringField("Website", validators=[Optional(), Length(max=500)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = StringField("Email", validators=[Optional(), Length(max=254)])
    address = TextAreaField("Address", validators=[Optional(), Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)])

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.data.items() if k != "csrf_token"}

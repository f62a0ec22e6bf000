"""Forms for issues, bills and positions: the shape of the input only."""

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import BaseForm
from crm.interactions.forms import IntList
from crm.models import CHAMBERS, STANCES
from crm.policy.positions import COMMITMENT_STATUSES

JURISDICTIONS = [("US", "United States (Congress)")]


class IssueForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Short name",
        validators=[Optional(), Length(max=80)],
        description="Used in links; made from the name when left blank.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    active = BooleanField("Active: offered in the quick log and on the whip boards", default=True)
    talking_points = TextAreaField(
        "Talking points",
        validators=[Optional(), Length(max=5000)],
        description="What we ask for, in a few lines: printed on every meeting brief.",
    )


class BillForm(BaseForm):
    jurisdiction = StringField(
        "Jurisdiction",
        validators=[DataRequired(), Length(max=2)],
        default="US",
        description="US for Congress, or a state code: TN.",
    )
    session = StringField(
        "Congress or session",
        validators=[DataRequired(), Length(max=40)],
        description='e.g. "119" for the 119th Congress, or "2026".',
    )
    number = StringField(
        "Number",
        validators=[DataRequired(), Length(max=40)],
        description="e.g. H.R. 1585 or S. 665.",
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    chamber = SelectField("Chamber of origin", choices=[("", "—"), *CHAMBERS.items()], default="")
    status = StringField(
        "Status",
        validators=[Optional(), Length(max=120)],
        description="e.g. Referred to the Committee on the Judiciary.",
    )
    url = StringField("Link", validators=[Optional(), Length(max=500)])
    introduced_on = DateField("Introduced on", validators=[Optional()])
    issues = IntList("Issues", coerce=int)
    talking_points = TextAreaField(
        "Talking points",
        validators=[Optional(), Length(max=5000)],
        description="What we ask for, in a few lines: printed on every meeting brief.",
    )


class PositionForm(BaseForm):
    subject = StringField(
        "Issue or bill", validators=[DataRequired(message="Choose an issue or bill.")]
    )
    stance = SelectField("Position", choices=list(STANCES.items()), default="undecided")
    commitment = StringField("Commitment (optional)", validators=[Optional(), Length(max=200)])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=5000)])


class CommitmentForm(BaseForm):
    status = SelectField("Commitment", choices=list(COMMITMENT_STATUSES.items()))

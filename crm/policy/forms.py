"""Forms for issues, bills and positions: the shape of the input only."""

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import BaseForm, IdList, fits
from crm.models import CHAMBERS, STANCES, Bill, Issue, Position
from crm.policy.positions import COMMITMENT_STATUSES

JURISDICTIONS = [("US", "United States (Congress)")]


class IssueForm(BaseForm):
    """Add or edit an issue: name, short name, description, talking points."""

    name = StringField("Name", validators=[DataRequired(), fits(Issue.name)])
    slug = StringField(
        "Short name",
        validators=[Optional(), fits(Issue.slug)],
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
    """Add or edit a bill by hand."""

    jurisdiction = StringField(
        "Jurisdiction",
        validators=[DataRequired(), fits(Bill.jurisdiction)],
        default="US",
        description="US for Congress, or a state code: TN.",
    )
    session = StringField(
        "Congress or session",
        validators=[DataRequired(), fits(Bill.session)],
        description='e.g. "119" for the 119th Congress, or "2026".',
    )
    number = StringField(
        "Number",
        validators=[DataRequired(), fits(Bill.number)],
        description="e.g. H.R. 1585 or S. 665.",
    )
    title = StringField("Title", validators=[DataRequired(), fits(Bill.title)])
    chamber = SelectField("Chamber of origin", choices=[("", "—"), *CHAMBERS.items()], default="")
    status = StringField(
        "Status",
        validators=[Optional(), fits(Bill.status)],
        description="e.g. Referred to the Committee on the Judiciary.",
    )
    url = StringField("Link", validators=[Optional(), fits(Bill.url)])
    introduced_on = DateField("Introduced on", validators=[Optional()])
    issues = IdList("Issues", coerce=int)
    talking_points = TextAreaField(
        "Talking points",
        validators=[Optional(), Length(max=5000)],
        description="What we ask for, in a few lines: printed on every meeting brief.",
    )


class PositionForm(BaseForm):
    """Record a person's position on an issue or bill, with any commitment."""

    subject = StringField(
        "Issue or bill",
        validators=[DataRequired(message="Choose an issue or bill."), Length(max=12)],
    )
    stance = SelectField("Position", choices=list(STANCES.items()), default="undecided")
    commitment = StringField(
        "Commitment (optional)", validators=[Optional(), fits(Position.commitment)]
    )
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=5000)])


class CommitmentForm(BaseForm):
    """Mark a commitment pending, kept or not kept."""

    status = SelectField("Commitment", choices=list(COMMITMENT_STATUSES.items()))

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.campaigns.services import CAMPAIGN_STATUSES
from crm.forms import BaseForm, fits, id_select
from crm.ids import parse_id
from crm.models import PRIORITIES, Assignment, Campaign


class CampaignForm(BaseForm):
    """Create or edit a campaign: name, goal, issue, bill, dates and status."""

    name = StringField(
        "Campaign name",
        validators=[DataRequired(), fits(Campaign.name)],
        description='e.g. "Senate Judiciary before the Conrad 30 markup"',
    )
    goal = TextAreaField(
        "Goal",
        validators=[Optional(), Length(max=5000)],
        description="What every target should hear, and by when.",
    )
    issue_id = id_select("Issue")
    bill_id = id_select("Bill")
    starts_on = DateField("Starts", validators=[Optional()])
    ends_on = DateField("Ends", validators=[Optional()])
    status = SelectField("Status", choices=list(CAMPAIGN_STATUSES.items()), default="active")


class BulkAssignForm(BaseForm):
    """What each assignment a campaign hands out says, when it is due and its priority."""

    title = StringField(
        "What to do",
        validators=[Optional(), fits(Assignment.title)],
        description="Shown on each assignment; the campaign name if left empty.",
    )
    due_on = DateField("Due", validators=[Optional()])
    priority = SelectField("Priority", choices=list(PRIORITIES.items()), default="normal")


def chosen_members(source) -> list[int]:
    """The members ticked to share a campaign's targets (fields `members`)."""
    return [i for i in map(parse_id, source.getlist("members")) if i]


def assignee_picks(source) -> dict[int, int]:
    """The member chosen for each target in the plan table: fields `assignee-<person id>`."""
    pairs = (
        (parse_id(k.removeprefix("assignee-")), parse_id(v))
        for k, v in source.items()
        if k.startswith("assignee-")
    )
    return {person_id: member_id for person_id, member_id in pairs if person_id and member_id}

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from crm.forms import BaseForm, IdField, IdList, fits, id_select
from crm.models import ASSIGNMENT_STATUSES, PRIORITIES, Assignment, FollowUpTemplate


class AssignmentForm(BaseForm):
    """Create or edit an assignment: who to contact (people or an office), what, for whom, when,
    and about what."""

    people = IdList("Who to contact", coerce=int)
    organization_id = id_select("Or an office or agency")
    title = StringField(
        "What to do",
        validators=[DataRequired(message="Say what needs doing."), fits(Assignment.title)],
        description='e.g. "Ask for a Conrad 30 cosponsorship before markup"',
    )
    assignee_id = id_select("Assignee")
    due_on = DateField("Due", validators=[Optional()])
    priority = SelectField("Priority", choices=list(PRIORITIES.items()), default="normal")
    issue_id = id_select("Issue")
    bill_id = id_select("Bill")
    campaign_id = id_select("Campaign")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    acknowledge = BooleanField("Assign anyway")
    version = HiddenField()

    def validate_people(self, field):
        """Require a person or an office, and at most 50 people at a time."""
        from wtforms.validators import ValidationError

        if not field.data and not self.organization_id.data:
            raise ValidationError("Choose a person, or an office below.")
        if len(field.data or []) > 50:
            raise ValidationError("Choose at most 50 people at a time; use a campaign for more.")


class EditAssignmentForm(AssignmentForm):
    """Edit one assignment: it has one person to contact (or an office)."""

    def validate_people(self, field):
        """As for a new assignment, and at most one person."""
        from wtforms.validators import ValidationError

        super().validate_people(field)
        if len(field.data or []) > 1:
            raise ValidationError("An assignment has one person to contact.")


class StatusForm(BaseForm):
    """Change an assignment's status."""

    status = SelectField("Status", choices=list(ASSIGNMENT_STATUSES.items()))
    version = HiddenField()


class SnoozeForm(BaseForm):
    """Snooze an assignment until a date, or for a number of days."""

    until = DateField("Snooze until", validators=[Optional()])
    days = IntegerField("Snooze for days", validators=[Optional(), NumberRange(min=1, max=365)])
    version = HiddenField()


class ReassignForm(BaseForm):
    """Give an assignment to another member."""

    assignee_id = id_select("Reassign to")
    acknowledge = BooleanField("Reassign anyway")
    version = HiddenField()


class CompleteForm(BaseForm):
    """Mark an assignment done, optionally with the contact that did it."""

    interaction_id = IdField("Contact")
    version = HiddenField()


class FollowUpTemplateForm(BaseForm):
    """Create or edit a follow-up template of the quick log."""

    label = StringField("Follow-up", validators=[DataRequired(), fits(FollowUpTemplate.label)])
    due_in_days = IntegerField(
        "Due in (days)",
        default=3,
        validators=[InputRequired(message="Enter a number of days."), NumberRange(min=0, max=365)],
    )
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(0, 1000)])
    active = BooleanField("Offered in the quick log", default=True)

    def template_data(self) -> dict:
        """What followups.save_template takes, from the submitted fields."""
        return {
            "label": self.label.data,
            "due_in_days": self.due_in_days.data,
            "active": self.active.data,
            "position": self.position.data or 0,
        }

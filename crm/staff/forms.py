from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Optional

from crm.forms import BaseForm, fits, id_select
from crm.models import StaffRole


class StaffRoleForm(BaseForm):
    """Add a staff role: the staffer, the office, title, portfolio, start."""

    staff_id = id_select("Staffer")
    organization_id = id_select("Office")
    title = StringField(
        "Title", validators=[Optional(), fits(StaffRole.title)], description="e.g. Health LA"
    )
    portfolio = StringField(
        "Portfolio",
        validators=[Optional(), fits(StaffRole.portfolio)],
        description="The issue areas they cover, e.g. health, immigration",
    )
    start_date = DateField("Started", validators=[Optional()])


class MoveForm(StaffRoleForm):
    """Move a staffer to another office: the old role ends the day the new one starts."""

    start_date = DateField(
        "Moved on",
        validators=[DataRequired(message="Give the date of the move.")],
        description="The old role ends and the new one starts on this day.",
    )


class EndRoleForm(BaseForm):
    """End a staff role on a date."""

    end_date = DateField("Left on", validators=[DataRequired(message="Give the date.")])

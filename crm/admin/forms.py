from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email

from crm.forms import STATE_CHOICES, BaseForm, fits
from crm.models import ROLES, User


class InviteForm(BaseForm):
    """Invite someone to the coalition: email, name, role and home state."""

    email = EmailField("Email", validators=[DataRequired(), Email(), fits(User.email)])
    name = StringField("Name", validators=[DataRequired(), fits(User.name)])
    role = SelectField("Role", choices=[(r, r.title()) for r in ROLES], default="member")
    home_state = SelectField("Home state", choices=STATE_CHOICES)


class RoleForm(BaseForm):
    """Change a member's role."""

    role = SelectField("Role", choices=[(r, r.title()) for r in ROLES])

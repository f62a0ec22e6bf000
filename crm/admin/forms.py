from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from crm.forms import STATE_CHOICES, BaseForm
from crm.models import ROLES


class InviteForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=[(r, r.title()) for r in ROLES], default="member")
    home_state = SelectField("Home state", choices=STATE_CHOICES)


class RoleForm(BaseForm):
    role = SelectField("Role", choices=[(r, r.title()) for r in ROLES])

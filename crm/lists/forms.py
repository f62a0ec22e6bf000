from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from crm.forms import BaseForm, fits
from crm.models import SavedList


class SavedListForm(BaseForm):
    """Save the directory's current filter as a named list, optionally shared."""

    name = StringField(
        "Name of the list",
        validators=[DataRequired(message="Name the list."), fits(SavedList.name)],
        description='e.g. "Texas champions not contacted in 60 days"',
    )
    query = HiddenField(validators=[Length(max=4000)])
    shared = BooleanField("Share with everyone")

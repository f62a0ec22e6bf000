from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired

from crm.forms import BaseForm, fits, id_select
from crm.models import Tag


class TagForm(BaseForm):
    """Name a tag."""

    name = StringField(
        "Tag name",
        validators=[DataRequired(message="Name the tag."), fits(Tag.name)],
        description='e.g. "Conrad 30 champion" or "Hill day 2027"',
    )


class ApplyTagForm(BaseForm):
    """Put a tag on a record (action "add") or take it off ("remove")."""

    tag_id = id_select("Add a tag")
    action = HiddenField(validators=[AnyOf(["add", "remove"])], default="add")

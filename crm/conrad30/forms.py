"""The tracker's edit form (shape only; the service checks ranges and records)."""

from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from crm.forms import BaseForm
from crm.ids import coerce_id
from crm.models import PATHWAY_STATUSES


class StateYearForm(BaseForm):
    """A state's Conrad 30 year (slots, window, offices, notes) and its licensure pathway."""

    slots_used = IntegerField(
        "Slots used (of 30)", validators=[Optional(), NumberRange(0, 30)], default=0
    )
    flex_used = IntegerField(
        "Flex slots used (of 10)", validators=[Optional(), NumberRange(0, 10)], default=0
    )
    window_opens = DateField("Application window opens", validators=[Optional()])
    window_closes = DateField("Window closes", validators=[Optional()])
    program_office_id = SelectField("Program office", coerce=coerce_id)
    coordinator_id = SelectField("The state's Conrad 30 coordinator", coerce=coerce_id)
    covering_member_id = SelectField("Covered by (coalition member)", coerce=coerce_id)
    notes = TextAreaField("Notes", validators=[Optional()])
    pathway_status = SelectField("Licensure pathway", choices=list(PATHWAY_STATUSES.items()))
    pathway_year = IntegerField("Year of the law", validators=[Optional(), NumberRange(1990, 2100)])
    pathway_notes = TextAreaField("Pathway notes", validators=[Optional()])
    version = HiddenField()

    def year_data(self) -> dict:
        """The submitted fields of the state's fiscal year, for the service."""
        keys = (
            "slots_used",
            "flex_used",
            "window_opens",
            "window_closes",
            "program_office_id",
            "coordinator_id",
            "covering_member_id",
            "notes",
        )
        return {k: getattr(self, k).data for k in keys}

    def pathway_data(self) -> dict:
        """The submitted licensure-pathway fields, for the service."""
        return {
            "status": self.pathway_status.data,
            "law_year": self.pathway_year.data,
            "notes": self.pathway_notes.data,
        }

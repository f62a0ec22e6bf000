import re

from flask import request
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms import BaseForm, IdList, fits, id_select, strip_filter
from crm.models import INTERACTION_KINDS, STANCES, Assignment, Interaction, Position
from crm.policy.positions import PositionInput, Subject

POSITION_FIELD = re.compile(r"^(position|commitment)-(\d{1,11})-([ib]\d{1,11})$")
MAX_POSITIONS = 200
COMMITMENT_LENGTH = fits(Position.commitment).max


class InteractionForm(BaseForm):
    """Log or edit a contact: who, when, what was said, who was there, and what it was about."""

    people = IdList("Who did you contact?", coerce=int)
    organization_id = id_select(
        "Organization contacted",
        description="An agency, office, program or board, with or without people named.",
    )
    occurred_at = DateTimeLocalField(
        "When",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(message="Enter the date and time.")],
    )
    kind = SelectField("Kind", choices=list(INTERACTION_KINDS.items()), default="meeting")
    subject = StringField("Subject", validators=[Optional(), fits(Interaction.subject)])
    notes = TextAreaField(
        "Notes",
        validators=[Optional(), Length(max=50000)],
        description="Markdown: **bold**, lists, links.",
    )
    outcome = TextAreaField("Outcome", validators=[Optional(), Length(max=5000)])
    members = IdList("Members present", coerce=int)
    issues = IdList("Issues discussed", coerce=int)
    bills = IdList("Bills discussed", coerce=int)
    private = BooleanField("Private: only me, the members present and coordinators can see it")
    submission_key = HiddenField(validators=[fits(Interaction.submission_key)])
    version = HiddenField()
    # Outreach: follow-ups to add to my work, and my open assignments this contact completes.
    follow_ups = IdList("Follow-ups", coerce=int)
    custom_follow_up = StringField(
        "Another follow-up", validators=[Optional(), fits(Assignment.title)]
    )
    custom_due_in_days = IntegerField(
        "Due in (days)", default=7, validators=[Optional(), NumberRange(min=0, max=365)]
    )
    complete_assignments = IdList("Mark done", coerce=int)

    position_values: dict[str, str] = {}
    positions_data: list[PositionInput] = []

    def validate(self, extra_validators=None) -> bool:
        """Also read the optional positions grid: fields position-<person>-<i|b><id> (a stance)
        and commitment-<person>-<i|b><id>. A blank stance records nothing."""
        ok = super().validate(extra_validators)
        self.position_values, self.positions_data = {}, []
        stances: dict[tuple[int, str], str] = {}
        commitments: dict[tuple[int, str], str] = {}
        for name in list(request.form.keys())[: MAX_POSITIONS * 4]:
            match = POSITION_FIELD.match(name)
            if not match:
                continue
            value = strip_filter(request.form.get(name, ""))
            self.position_values[name] = value
            key = (int(match.group(2)), match.group(3))
            (stances if match.group(1) == "position" else commitments)[key] = value
        errors = []
        for key in sorted(set(stances) | set(commitments)):
            stance, commitment = stances.get(key, ""), commitments.get(key, "")
            if not stance:
                if commitment:
                    errors.append("Choose the position that goes with the commitment you typed.")
                continue
            if stance not in STANCES:
                errors.append("Choose a position from the list.")
            elif len(commitment) > COMMITMENT_LENGTH:
                errors.append(f"Keep each commitment under {COMMITMENT_LENGTH + 1} characters.")
            else:
                self.positions_data.append(
                    PositionInput(key[0], Subject.parse(key[1]), stance, commitment or None)
                )
        if len(self.positions_data) > MAX_POSITIONS:
            errors.append(f"Record at most {MAX_POSITIONS} positions in one contact.")
        self.form_errors.extend(dict.fromkeys(errors))
        return ok and not errors

    def validate_people(self, field):
        """Require at least one person contacted, or an organization."""
        if not field.data and not self.organization_id.data:
            from wtforms.validators import ValidationError

            raise ValidationError("Choose at least one person you contacted, or an organization.")

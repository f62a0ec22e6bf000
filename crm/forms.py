"""Form pieces shared by several features."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
STATE_CHOICES = [("", "—")] + [
    (code, f"{name} ({code})") for code, name in sorted(US_STATES.items(), key=lambda kv: kv[1])
]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_filter(value):
    """Trim text and drop control characters (PostgreSQL rejects NUL bytes)."""
    if isinstance(value, str):
        return CONTROL.sub("", value).strip()
    return value


class BaseForm(FlaskForm):
    """All forms trim their text and drop control characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            unbound_field.kwargs["filters"] = [strip_filter, *filters]
            return unbound_field.bind(form=form, **options)


class EmptyForm(BaseForm):
    """A button that posts: carries the CSRF token."""


def state_field(label: str = "State", **kwargs) -> SelectField:
    return SelectField(label, choices=STATE_CHOICES, **kwargs)


def valid_state(form, field):
    if field.data and field.data.upper() not in US_STATES:
        raise ValidationError("Use a two-letter US state or territory code, e.g. TX.")


__all__ = [
    "BaseForm",
    "EmptyForm",
    "STATE_CHOICES",
    "StringField",
    "US_STATES",
    "state_field",
    "valid_state",
]

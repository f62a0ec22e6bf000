"""Form pieces shared by several features."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeField,
    Field,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError
from wtforms.widgets import TextInput

from crm.ids import coerce_id, parse_id

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
# Line and paragraph breaks, tabs included: a one-line field (a name, a title) keeps none, so CR/LF
# can never reach an email header, a calendar property or a CSV row from one.
LINE_BREAKS = re.compile(r"[\t\n\r\x85\u2028\u2029]+")
# Dates a person means: far enough for history, near enough that arithmetic and time-zone
# conversions cannot overflow (9999-12-31 plus an hour does).
YEARS = (1900, 2100)


def strip_filter(value):
    """Trim text and drop control characters (PostgreSQL rejects NUL bytes)."""
    if isinstance(value, str):
        return CONTROL.sub("", value).strip()
    return value


def one_line(value):
    """Names and titles are one line: line breaks and tabs become a space."""
    if isinstance(value, str):
        return LINE_BREAKS.sub(" ", value).strip()
    return value


def sane_date(form, field):
    """Dates within YEARS (every date and date-time field gets this check)."""
    value = field.data
    if isinstance(value, date | datetime) and not YEARS[0] <= value.year <= YEARS[1]:
        raise ValidationError(f"Enter a date between {YEARS[0]} and {YEARS[1]}.")


def fits(column, message: str | None = None) -> Length:
    """A Length validator from the model's own column, so a form cannot drift from its table:
    fits(Person.nickname) is Length(max=100) while the column is String(100)."""
    length = column.property.columns[0].type.length
    assert length, f"{column} has no length"
    return Length(max=length, message=message or f"Keep this under {length + 1} characters.")


def is_one_line(field_class) -> bool:
    return issubclass(field_class, StringField) and not issubclass(
        field_class, TextAreaField | PasswordField
    )


class BaseForm(FlaskForm):
    """All forms trim their text and drop control characters; one-line fields keep no line
    breaks; date fields stay within YEARS."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            """Bind each field with the trimming filter, the one-line filter and the date check."""
            # Passed to bind(), never written into the class's shared field definition.
            cls = unbound_field.field_class
            extra = [one_line] if is_one_line(cls) else []
            filters = [strip_filter, *extra, *unbound_field.kwargs.get("filters", [])]
            options = {**options, "filters": filters}
            if issubclass(cls, DateField | DateTimeField):
                validators = list(unbound_field.kwargs.get("validators") or [])
                options["validators"] = [*validators, sane_date]
            return unbound_field.bind(form=form, **options)


class IdList(SelectMultipleField):
    """Ids chosen with a picker (several values or one comma-separated); each must be an id a
    column can hold. The service checks that they exist."""

    def pre_validate(self, form):
        """Skip the choices check (a picker has no fixed choices): the service checks the ids."""
        pass

    def process_formdata(self, valuelist):
        """Read ids from repeated and comma-separated values; ValueError on a non-id."""
        out = []
        for value in valuelist:
            for part in str(value).split(","):
                if not part.strip():
                    continue
                number = parse_id(part)
                if number is None:
                    self.data = out
                    raise ValueError("Choose from the list.")
                out.append(number)
        self.data = out


class IdField(Field):
    """One optional record id in a text input (blank is None)."""

    widget = TextInput()

    def _value(self):
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        """Read one id (None when empty); ValueError when it is not an id."""
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            self.data = parse_id(valuelist[0])
            if self.data is None:
                raise ValueError("That is not a record of this list.")


class EmptyForm(BaseForm):
    """A button that posts: carries the CSRF token."""


@dataclass
class Change:
    """One field of a conflict: what is saved now (theirs) and what I typed (mine)."""

    label: str
    theirs: str
    mine: str


@dataclass
class ConflictView:
    """A stale save, shown: the fields that differ; the form already carries their version, so
    posting it again saves mine over theirs."""

    changes: list[Change]


Namer = Callable[[list[int]], str]


def shown(field, namers: dict[str, Namer] | None = None) -> str:
    """A field's value as a person reads it (a choice's label, names for picked ids)."""
    data = field.data
    if namers and field.name in namers:
        return namers[field.name](list(data or []))
    if field.type == "BooleanField":
        return "Yes" if data else "No"
    if data is None or data == [] or data == "":
        return ""
    choices = getattr(field, "choices", None)
    if isinstance(choices, list) and choices:
        labels = {str(c[0]): str(c[1]) for c in choices}
        values = data if isinstance(data, list) else [data]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if isinstance(data, datetime):
        return data.strftime("%Y-%m-%d %H:%M")
    if isinstance(data, list):
        return ", ".join(map(str, data))
    return str(data)


def conflict_view(
    mine, theirs, namers: dict[str, Namer] | None = None, skip: tuple[str, ...] = ()
) -> ConflictView:
    """Compare the form as posted (mine) with the same form filled from the record as saved now
    (theirs), field by field, and move my form to their version."""
    changes = []
    for field in mine:
        if field.type in ("CSRFTokenField", "HiddenField") or field.name in skip:
            continue
        a, b = shown(theirs[field.name], namers), shown(field, namers)
        if a != b:
            changes.append(Change(str(field.label.text), a or "—", b or "—"))
    mine.version.data = theirs.version.data
    mine.version.raw_data = None
    return ConflictView(changes)


def id_select(label: str, **kwargs) -> SelectField:
    """A select of records by id (choices set per request; the service checks existence)."""
    return SelectField(label, coerce=coerce_id, validate_choice=False, **kwargs)


def state_field(label: str = "State", **kwargs) -> SelectField:
    """A select of US states and territories."""
    return SelectField(label, choices=STATE_CHOICES, **kwargs)


def valid_state(form, field):
    """WTForms validator: the value, if any, is a two-letter US state or territory code."""
    if field.data and field.data.upper() not in US_STATES:
        raise ValidationError("Use a two-letter US state or territory code, e.g. TX.")


__all__ = [
    "BaseForm",
    "Change",
    "ConflictView",
    "conflict_view",
    "EmptyForm",
    "IdField",
    "IdList",
    "STATE_CHOICES",
    "StringField",
    "id_select",
    "US_STATES",
    "state_field",
    "valid_state",
]

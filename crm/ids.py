"""Record ids from user input: one parser for forms, query strings and URLs.

Every primary key is an integer column, which on PostgreSQL holds at most 2^31 - 1: a bigger
number in a query raises "integer out of range" (and one past 2^63 overflows SQLite's driver).
So an id is 1 .. 2^31 - 1 written in ASCII digits, and anything else is not an id at all, the same
on both engines. ("²".isdigit() is true but int("²") raises, hence ASCII only.)
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1
MAX_DIGITS = len(str(MAX_ID))


def parse_id(value) -> int | None:
    """The record id the value names, or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_DIGITS:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def coerce_id(value) -> int | None:
    """WTForms `coerce` for an optional id: blank is None, anything else must be a valid id
    (a ValueError becomes the field's error, so the form is re-rendered, not a 500)."""
    # A (None, "—") choice is rendered as value="None", so that is what a browser sends back.
    if value is None or value in ("", "None"):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError("Choose from the list.")
    return number


class IdConverter(BaseConverter):
    """`<id:name>` in a route: an id the column can hold; anything else does not match (404)."""

    regex = rf"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        """The URL part as an id; a 404 (ValidationError) when it is not one."""
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        """The id as a URL part."""
        return str(int(value))

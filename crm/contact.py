"""Normalising contact details: phones to E.164, emails, web addresses."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidContact(ValueError):
    """An email address, phone number or web address that cannot be read; the message says which."""

    pass


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """'202-225-1252' -> '+12022251252'. Territories keep their +1 numbers."""
    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact(f"{raw!r} is not a phone number.") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidContact(f"{raw!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def display_phone(e164: str | None) -> str:
    """An E.164 number as people read it: national format in the US and Canada, international
    elsewhere. Remembered: parsing and formatting one took 0.1 ms, three a person page."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def normalize_email(raw: str | None) -> str | None:
    """An email address in normal form, or None when empty; raises InvalidContact when it is not
    one."""
    if not raw or not raw.strip():
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidContact(f"{raw!r} is not an email address.") from exc


def normalize_url(raw: str | None) -> str | None:
    """A web address with https:// added when it has no scheme, or None when empty; raises
    InvalidContact when it is not an http(s) address with a domain."""
    if not raw or not raw.strip():
        return None
    value = raw.strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or "." not in parts.netloc:
        raise InvalidContact(f"{raw!r} is not a web address.")
    return value

"""Normalisation rules both sources share: parties, committee roles, dates, seats, contacts."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from crm.contact import InvalidContact, normalize_email, normalize_phone, normalize_url
from crm.forms import US_STATES
from crm.imports.records import Problem
from crm.models.directory import ASSEMBLY_STATES, UNICAMERAL

# Party labels the fifty states' legislatures use, folded (see party_key), to the party the
# directory files them under; the source's own label is kept beside it for display.
PARTY_NAMES = {
    "democrat": "Democratic",
    "democratic": "Democratic",
    "democratic-farmer-labor": "Democratic",  # Minnesota
    "dfl": "Democratic",
    "democratic-npl": "Democratic",  # North Dakota
    "democratic-nonpartisan-league": "Democratic",
    "republican": "Republican",
    "gop": "Republican",
    "independent": "Independent",
    "unaffiliated": "Independent",
    "nonpartisan": "Nonpartisan",  # Nebraska's legislature
    "non-partisan": "Nonpartisan",
}
MAJOR_PARTIES = ("Democratic", "Republican")
_PARTY_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")
# Non-voting members of the House: they sit as chamber "lower", district "0".
DELEGATE_TITLES = {
    "DC": "Delegate",
    "GU": "Delegate",
    "VI": "Delegate",
    "AS": "Delegate",
    "MP": "Delegate",
    "PR": "Resident Commissioner",
}


class MissingField(Exception):
    """A required field is absent or empty in a record."""


# What a malformed record raises while it is read (a wrong type where a mapping was expected...).
RECORD_ERRORS = (MissingField, ValueError, TypeError, AttributeError, IndexError, KeyError)


def record_problem(exc: Exception, file: str, record: str | None) -> Problem:
    """The report line for a record that could not be read."""
    if isinstance(exc, MissingField):
        return Problem(file, record, f"missing required field '{exc}'")
    return Problem(file, record, str(exc))


def party_key(label: str) -> str:
    """'Democratic–Farmer–Labor', 'democratic farmer labor' -> 'democratic-farmer-labor'."""
    return _PARTY_SEPARATORS.sub("-", label.strip().casefold()).strip("-")


def party_name(label: str | None) -> str | None:
    """The party a label is filed under: 'Democrat' and 'Democratic-Farmer-Labor' ->
    'Democratic'; a fusion label its major party ('Working Families/Democratic' -> 'Democratic',
    'Republican/Conservative' -> 'Republican'), else its first party; unknown labels as written."""
    if not label or not str(label).strip():
        return None
    text = str(label).strip()
    parts = [p.strip() for p in text.split("/") if p.strip()]
    names = [PARTY_NAMES.get(party_key(p)) for p in parts]
    major = next((n for n in names if n in MAJOR_PARTIES), None)
    if major:
        return major
    if len(parts) == 1:
        return names[0] or text
    return names[0] or parts[0]


_SPACES = re.compile(r"[\s\-_]+")


def committee_role(title: str | None) -> str:
    """Free-text committee titles to one vocabulary: chair, co-chair, vice chair,
    ranking member, ex officio, member; other titles are kept, lower-cased."""
    text = _SPACES.sub(" ", (title or "").casefold()).strip()
    text = re.sub(r"chair(man|woman|person)\b", "chair", text)
    text = re.sub(r"\bco ?chair\b", "co-chair", text)
    if not text or text == "member":
        return "member"
    if "ranking" in text:
        return "ranking member"
    if "vice chair" in text:
        return "vice chair"
    if "co-chair" in text:
        return "co-chair"
    if text == "chair":
        return "chair"
    if "ex officio" in text:
        return "ex officio"
    return text


def to_date(value) -> date | None:
    """A date from a YAML date, an ISO string or None; raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def state_code(value) -> str:
    """A two-letter state code, upper-cased; raises ValueError when it is not a known one."""
    code = str(value or "").strip().upper()
    if code not in US_STATES:
        raise ValueError(f"unknown state code {value!r}")
    return code


def district_text(value) -> str:
    """Districts are strings; 0 (at-large seats and delegates) stays "0", never empty."""
    if value is None or str(value).strip() == "":
        raise MissingField("district")
    if isinstance(value, bool):
        raise ValueError(f"district {value!r} is not a district")
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return str(int(text)) if text.isdigit() else text


def seat_title(level: str, chamber: str, state: str) -> str:
    """The title of a seat, e.g. "U.S. Senator", "Delegate" or "Assembly Member", from level,
    chamber and state."""
    if level == "federal":
        if chamber == "upper":
            return "U.S. Senator"
        return DELEGATE_TITLES.get(state, "U.S. Representative")
    if chamber == "unicameral":
        return "Councilmember" if state == "DC" else "State Senator"
    if chamber == "upper":
        return "State Senator"
    return "Assembly Member" if state in ASSEMBLY_STATES else "State Representative"


def legislature_key(jurisdiction: str, chamber: str) -> str:
    """The import key of a legislature's organization, e.g. "legislature:tx:upper"."""
    return f"legislature:{jurisdiction.lower()}:{chamber}"


def legislature_name(jurisdiction: str, chamber: str) -> str:
    """The name of a chamber, e.g. "U.S. Senate", "Texas House of Representatives" or "Nebraska
    Legislature"."""
    if jurisdiction == "US":
        return "U.S. Senate" if chamber == "upper" else "U.S. House of Representatives"
    state = US_STATES[jurisdiction]
    if chamber == "unicameral":
        return (
            "Council of the District of Columbia"
            if jurisdiction == "DC"
            else f"{state} Legislature"
        )
    if chamber == "upper":
        return f"{state} Senate"
    if jurisdiction in ASSEMBLY_STATES:
        return f"{state} State Assembly"
    return f"{state} House of Representatives"


def chambers_of(state: str) -> tuple[str, ...]:
    """The chambers of a state's legislature: one where it is unicameral."""
    return ("unicameral",) if state in UNICAMERAL else ("upper", "lower")


def office_key(person_key: str) -> str:
    """The import key of a legislator's own office (their organization)."""
    return f"office:{person_key}"


@lru_cache(maxsize=16384)
def _phone(raw: str) -> str | None:
    return normalize_phone(raw)


class Cleaner:
    """Normalises one record's contact values; a bad value is dropped with a warning."""

    def __init__(self, problems: list[Problem], file: str, record: str | None):
        self.problems = problems
        self.file = file
        self.record = record

    def warn(self, message: str) -> None:
        """Record a warning about this record."""
        self.problems.append(Problem(self.file, self.record, message, "warning"))

    def error(self, message: str) -> None:
        """Record an error about this record (the import will not apply)."""
        self.problems.append(Problem(self.file, self.record, message, "error"))

    def _clean(self, fn, raw, what: str):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return fn(str(raw))
        except InvalidContact as exc:
            self.warn(f"{what} ignored: {exc}")
            return None

    def phone(self, raw, what: str = "phone") -> str | None:
        """The phone number normalized, or None (with a warning) when it is not one."""
        return self._clean(_phone, raw, what)

    def url(self, raw, what: str = "web address") -> str | None:
        """The web address normalized, or None (with a warning) when it is not one."""
        return self._clean(normalize_url, raw, what)

    def email(self, raw) -> str | None:
        """The email address normalized, or None (with a warning) when it is not one."""
        return self._clean(normalize_email, raw, "email")


def text(value) -> str | None:
    """A trimmed string, or None for missing/empty values."""
    if value is None:
        return None
    out = str(value).strip()
    return out or None

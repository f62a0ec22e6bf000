"""Which column holds which field: the fields each kind of import knows, and a guessed mapping
from the file's own headers (synonyms first, then the closest label by fuzzy matching)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from crm.models.directory import fold

PEOPLE_FIELDS = {
    "full_name": "Full name",
    "first_name": "First name",
    "last_name": "Last name",
    "kind": "Kind (legislator, staff, official, other)",
    "title": "Title",
    "organization": "Organization or office",
    "email": "Email",
    "phone": "Phone",
    "website": "Website",
    "level": "Level (federal, state)",
    "chamber": "Chamber",
    "state": "State",
    "district": "District",
    "party": "Party",
    "bioguide_id": "Bioguide id",
    "openstates_id": "Open States id",
    "notes": "Notes",
}
HISTORY_FIELDS = {
    "date": "Date (and time)",
    "kind": "Kind (meeting, call, email...)",
    "people": "Who was met (names or emails, ; between several)",
    "organization": "Organization contacted (its name)",
    "members": "Members (emails or names, ; between several)",
    "subject": "Subject",
    "notes": "Notes",
    "outcome": "Outcome",
    "issues": "Issues (names, ; between several)",
    "private": "Private (yes/no)",
}
FIELDS = {"people": PEOPLE_FIELDS, "history": HISTORY_FIELDS}
SYNONYMS = {
    "name": "full_name",
    "full name": "full_name",
    "contact": "full_name",
    "contact name": "full_name",
    "first": "first_name",
    "given name": "first_name",
    "last": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "phone number": "phone",
    "telephone": "phone",
    "office": "organization",
    "agency": "organization",
    "employer": "organization",
    "company": "organization",
    "org": "organization",
    "bioguide": "bioguide_id",
    "open states": "openstates_id",
    "openstates": "openstates_id",
    "url": "website",
    "web": "website",
    "type": "kind",
    "when": "date",
    "date of contact": "date",
    "contact date": "date",
    "met with": "people",
    "who": "people",
    "people": "people",
    "official": "people",
    "officials": "people",
    "attendees": "members",
    "member": "members",
    "members present": "members",
    "logged by": "members",
    "topic": "subject",
    "issue": "issues",
    "result": "outcome",
}


def normal(text: str) -> str:
    """A header folded for matching: lower-case, accents removed, runs of anything but letters
    and digits as one space."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def guess_mapping(kind: str, headers: list[str]) -> dict[int, str]:
    """Column index -> field, each field at most once."""
    fields = FIELDS[kind]
    labels = {normal(label.split("(")[0]): key for key, label in fields.items()}
    labels.update({normal(key.replace("_", " ")): key for key in fields})
    out: dict[int, str] = {}
    used: set[str] = set()
    for i, header in enumerate(headers):
        h = normal(header)
        key = SYNONYMS.get(h) if SYNONYMS.get(h) in fields else labels.get(h)
        if key and key not in used:
            out[i] = key
            used.add(key)
    for i, header in enumerate(headers):
        if i in out:
            continue
        match = process.extractOne(normal(header), list(labels), scorer=fuzz.ratio)
        if match and match[1] >= 85 and labels[match[0]] not in used:
            out[i] = labels[match[0]]
            used.add(labels[match[0]])
    return out

"""The shape every source is parsed into before it meets the database.

A parser (congress.py, openstates.py) turns files into a Snapshot of plain records keyed by the
source's own ids. The reconciler (reconcile.py) compares a Snapshot with the database; it never
looks at files, and the parsers never look at the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input: an error stops the import, a warning is reported."""

    file: str
    record: str | None
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}" if self.record else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        """The problem as a report line."""
        return {"file": self.file, "id": self.record, "message": self.message, "level": self.level}


class HasProblems:
    """Errors and warnings among `self.problems`."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the import."""
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are only reported."""
        return [p for p in self.problems if p.level == "warning"]


@dataclass
class OrgRecord:
    """An organization the import maintains: a chamber, or a legislator's office."""

    key: str  # Organization.external_id
    values: dict[str, Any]
    parent_key: str | None = None


@dataclass
class PersonRecord:
    """One current legislator as the source describes them."""

    key: str  # bioguide or OCD person id
    file: str
    values: dict[str, Any]  # always written (names, seat, party, title...)
    optional: dict[str, Any]  # contact channels: written only when the source has a value
    social: dict[str, Any] = field(default_factory=dict)
    external_ids: dict[str, Any] = field(default_factory=dict)
    offices: list[dict[str, Any]] = field(default_factory=list)
    org_key: str | None = None

    @property
    def name(self) -> str:
        """The person's full name as the source gives it."""
        return self.values["full_name"]


@dataclass
class CommitteeRecord:
    """A committee as read from a source, keyed by its code or external id, with the file it came
    from."""

    key: str  # Committee.code (Congress) or Committee.external_id (Open States)
    file: str
    values: dict[str, Any]
    optional: dict[str, Any] = field(default_factory=dict)
    parent_key: str | None = None


@dataclass
class MembershipRecord:
    """One person's seat on one committee as read from a source."""

    committee_key: str
    person_key: str
    values: dict[str, Any]  # role, title, rank, side


@dataclass
class Snapshot(HasProblems):
    """Everything one run read, plus what part of the directory it is the truth for."""

    kind: str  # congress, openstates
    dataset: str  # shown in history: "congress-legislators", "openstates"
    id_field: str  # Person column holding the source id
    committee_key_field: str  # Committee column holding the committee key
    level: str
    states: frozenset[str]  # the states this snapshot covers (its scope)
    as_of: date
    people: dict[str, PersonRecord] = field(default_factory=dict)
    # None when the source had no committee files: committees are then left alone.
    committees: dict[str, CommitteeRecord] | None = None
    memberships: dict[tuple[str, str], MembershipRecord] | None = None
    orgs: dict[str, OrgRecord] = field(default_factory=dict)
    office_kinds: frozenset[str] = frozenset()  # the office kinds this source maintains
    problems: list[Problem] = field(default_factory=list)


@dataclass
class RefreshResult:
    """What an all-or-nothing refresh of records by key did (agencies, bills): counts, the
    changes line by line, and the problems that stopped it."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing stopped the refresh."""
        return not self.problems

    def summary(self) -> dict:
        """The refresh's counts, for the job's log and the page."""
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": len(self.problems),
        }

"""Read Bill Status XML (GPO bulk data, both the current and the legacy schema) into records.

The two schemas name the same things differently (`number` / `billNumber`, `type` /
`billType`, `committees/item` / `committees/billCommittees/item`, `summaries/summary` /
`summaries/billSummaries/item`); both are read into one BillRecord. Elements may be present but
empty; dates come as dates or date-times."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# Bill types -> how a bill number is written ("H.R. 1585").
BILL_TYPES = {
    "hr": "H.R.",
    "s": "S.",
    "hjres": "H.J.Res.",
    "sjres": "S.J.Res.",
    "hconres": "H.Con.Res.",
    "sconres": "S.Con.Res.",
    "hres": "H.Res.",
    "sres": "S.Res.",
}
CHAMBERS = {"house": "lower", "senate": "upper"}
# Largest file accepted (the NDAA is under 1 MB): a cap against a decompression or entity bomb.
MAX_FILE_BYTES = 20 * 1024 * 1024
BILL_ID = re.compile(r"^\s*(\d{2,3})\s*[-/ ]?\s*([a-z.]+?)\s*[-/ ]?\s*(\d{1,5})\s*$", re.I)


class BadBillFile(ValueError):
    """The file is not a readable Bill Status document (the message says why)."""


@dataclass
class SponsorRecord:
    """A sponsor or cosponsor of a bill as read from a BILLSTATUS file."""

    role: str
    bioguide_id: str
    full_name: str
    first_name: str | None
    last_name: str | None
    party: str | None
    state: str | None
    district: str | None
    original: bool = False
    sponsored_on: date | None = None
    withdrawn_on: date | None = None


@dataclass
class ActionRecord:
    """One action on a bill as read from a BILLSTATUS file."""

    acted_on: date
    text: str
    action_type: str | None
    action_code: str | None
    source: str | None
    committee_codes: str | None

    @property
    def key(self) -> tuple:
        """What makes two actions the same when matching the file with the stored ones."""
        return (self.acted_on, self.text, self.action_code, self.source)


@dataclass
class CommitteeRecord:
    """A committee (or subcommittee) a bill was referred to, with its latest activity."""

    system_code: str
    name: str
    chamber: str | None
    activity: str | None
    activity_on: date | None


@dataclass
class BillRecord:
    """One bill as read from a BILLSTATUS file: its fields, sponsors, committees and actions."""

    congress: int
    bill_type: str
    number: int
    title: str
    origin_chamber: str | None
    introduced_on: date | None
    policy_area: str | None
    latest_action_on: date | None
    latest_action: str | None
    updated_at: datetime | None
    sponsors: list[SponsorRecord] = field(default_factory=list)
    committees: list[CommitteeRecord] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    record: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """e.g. "H.R. 1585"."""
        return f"{BILL_TYPES[self.bill_type]} {self.number}"

    @property
    def official_url(self) -> str:
        """The bill's page on congress.gov."""
        kinds = {
            "hr": "house-bill",
            "s": "senate-bill",
            "hjres": "house-joint-resolution",
            "sjres": "senate-joint-resolution",
            "hconres": "house-concurrent-resolution",
            "sconres": "senate-concurrent-resolution",
            "hres": "house-resolution",
            "sres": "senate-resolution",
        }
        return (
            f"https://www.congress.gov/bill/{ordinal(self.congress)}-congress/"
            f"{kinds[self.bill_type]}/{self.number}"
        )


def ordinal(n: int) -> str:
    """1 -> "1st", 12 -> "12th", 23 -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def parse_bill_id(text: str) -> tuple[int, str, int]:
    """ "119 hr 1585", "119-HR-1585", "119 H.R. 1585" -> (119, "hr", 1585)."""
    match = BILL_ID.match(text or "")
    kind = match.group(2).replace(".", "").lower() if match else ""
    if not match or kind not in BILL_TYPES:
        raise ValueError(
            f"{text!r} is not a bill id: use congress, type and number, e.g. '119 hr 1585'"
        )
    return int(match.group(1)), kind, int(match.group(3))


BULK_DATA = "https://www.govinfo.gov/bulkdata/BILLSTATUS"


def bulk_data_url(congress: int, bill_type: str, number: int, base: str = BULK_DATA) -> str:
    """The GPO bulk-data address of one bill's Bill Status XML (base: CRM_BILLSTATUS_URL, a
    mirror of the same layout)."""
    return f"{base.rstrip('/')}/{congress}/{bill_type}/BILLSTATUS-{congress}{bill_type}{number}.xml"


def bill_id_of(label: str, session: str) -> tuple[int, str, int] | None:
    """(congress, type, number) of a bill of Congress as this app writes it ("H.R. 1585",
    "119"), or None when the label is not a Bill Status bill."""
    try:
        return parse_bill_id(f"{session} {label}")
    except ValueError:
        return None


# ---- reading the XML ----


def text_of(el: ET.Element | None, path: str) -> str | None:
    """The stripped text at path, or None when absent or empty."""
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def first_text(el: ET.Element, *paths: str) -> str | None:
    """The text of the first of `paths` under `el` that has any, else None."""
    for path in paths:
        if (value := text_of(el, path)) is not None:
            return value
    return None


def to_date(value: str | None) -> date | None:
    """'2022-02-09' or '2022-02-09T14:00:20Z' -> date; None for empty."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise BadBillFile(f"{value!r} is not a date") from None


def to_datetime(value: str | None) -> datetime | None:
    """An ISO date-time (a trailing Z is UTC) or None when empty; raises BadBillFile when it is not
    one."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadBillFile(f"{value!r} is not a date-time") from None


def items(el: ET.Element | None, *paths: str) -> list[ET.Element]:
    """The <item>s under the first path that exists (the schemas nest lists differently)."""
    if el is None:
        return []
    for path in paths:
        found = el.findall(path)
        if found:
            return found
    return []


def yes(value: str | None) -> bool:
    """Whether a flag reads as true ("true", "y", "yes" or "1")."""
    return (value or "").strip().lower() in ("true", "y", "yes", "1")


def sponsor(item: ET.Element, role: str) -> SponsorRecord:
    """A sponsor record from an <item>; raises BadBillFile when it has no bioguideId."""
    bioguide = first_text(item, "bioguideId", "identifiers/bioguideId")
    if not bioguide:
        raise BadBillFile(f"a {role} has no bioguideId")
    district = text_of(item, "district")
    return SponsorRecord(
        role=role,
        bioguide_id=bioguide,
        full_name=text_of(item, "fullName") or bioguide,
        first_name=text_of(item, "firstName"),
        last_name=text_of(item, "lastName"),
        party=text_of(item, "party"),
        state=text_of(item, "state"),
        district=district,
        original=yes(text_of(item, "isOriginalCosponsor")),
        sponsored_on=to_date(text_of(item, "sponsorshipDate")),
        withdrawn_on=to_date(text_of(item, "sponsorshipWithdrawnDate")),
    )


def committees_of(bill: ET.Element) -> list[CommitteeRecord]:
    """Committees and their subcommittees, each with its latest activity."""
    out: list[CommitteeRecord] = []
    for item in items(bill.find("committees"), "item", "billCommittees/item"):
        out.extend(committee_rows(item, text_of(item, "chamber")))
    return out


def committee_rows(item: ET.Element, chamber: str | None) -> list[CommitteeRecord]:
    """A committee <item> and its subcommittees as records, each with its latest activity; raises
    BadBillFile when one has no systemCode."""
    code = text_of(item, "systemCode")
    if not code:
        raise BadBillFile("a committee has no systemCode")
    activities = sorted(
        (
            (to_date(text_of(a, "date")), text_of(a, "name"))
            for a in items(item.find("activities"), "item")
        ),
        key=lambda pair: pair[0] or date.min,
    )
    latest = activities[-1] if activities else (None, None)
    rows = [
        CommitteeRecord(
            system_code=code.lower(),
            name=text_of(item, "name") or code,
            chamber=CHAMBERS.get((chamber or "").lower()),
            activity=latest[1],
            activity_on=latest[0],
        )
    ]
    for sub in items(item.find("subcommittees"), "item"):
        rows.extend(committee_rows(sub, chamber))
    return rows


def actions_of(bill: ET.Element) -> list[ActionRecord]:
    """The bill's <actions> as records; raises BadBillFile when one has no date or no text."""
    out = []
    for item in items(bill.find("actions"), "item"):
        acted_on = to_date(text_of(item, "actionDate"))
        action_text = text_of(item, "text")
        if acted_on is None or action_text is None:
            raise BadBillFile("an action has no actionDate or no text")
        codes = [
            c.text.strip()
            for c in item.findall("committees/item/systemCode")
            + item.findall("committee/systemCode")
            if c.text and c.text.strip()
        ]
        out.append(
            ActionRecord(
                acted_on=acted_on,
                text=action_text,
                action_type=text_of(item, "type"),
                action_code=text_of(item, "actionCode"),
                source=text_of(item, "sourceSystem/name"),
                committee_codes=" ".join(codes) or None,
            )
        )
    return out


def record_of(bill: ET.Element) -> dict:
    """What the bill page shows beside the tables: titles, subjects, texts, related bills,
    summaries (newest last)."""
    summaries = [
        {
            "version": text_of(s, "versionCode"),
            "action_on": text_of(s, "actionDate"),
            "action": text_of(s, "actionDesc"),
            "text": text_of(s, "text"),
        }
        for s in items(bill.find("summaries"), "summary", "billSummaries/item")
    ]
    texts = [
        {
            "type": text_of(t, "type"),
            "date": (text_of(t, "date") or "")[:10] or None,
            "urls": [u.text.strip() for u in t.findall("formats/item/url") if u.text],
        }
        for t in items(bill.find("textVersions"), "item")
    ]
    related = [
        {
            "congress": text_of(r, "congress"),
            "type": (text_of(r, "type") or "").lower() or None,
            "number": text_of(r, "number"),
            "title": first_text(r, "title", "latestTitle"),
            "relationship": text_of(r, "relationshipDetails/item/type"),
        }
        for r in items(bill.find("relatedBills"), "item")
    ]
    return {
        "titles": [
            {"type": text_of(t, "titleType"), "title": text_of(t, "title")}
            for t in items(bill.find("titles"), "item")
        ],
        "subjects": [
            n.text.strip()
            for n in bill.findall("subjects/legislativeSubjects/item/name")
            + bill.findall("subjects/billSubjects/legislativeSubjects/item/name")
            if n.text and n.text.strip()
        ],
        "summaries": summaries,
        "text_versions": texts,
        "related_bills": related,
    }


def parse_bill_status(data: bytes, name: str = "file") -> BillRecord:
    """One Bill Status document; BadBillFile says what is wrong with it."""
    if len(data) > MAX_FILE_BYTES:
        raise BadBillFile(f"larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        # The schema has no DTD: entity declarations and external references are refused
        # (defusedxml), never expanded or fetched.
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise BadBillFile("has a document type or entity declaration") from None
    except ET.ParseError as e:
        raise BadBillFile(f"is not well-formed XML ({e})") from None
    bill = root.find("bill") if root.tag == "billStatus" else None
    if bill is None:
        raise BadBillFile("is not a Bill Status document (no billStatus/bill)")
    congress = first_text(bill, "congress")
    kind = (first_text(bill, "type", "billType") or "").lower()
    number = first_text(bill, "number", "billNumber")
    if not (congress and congress.isdigit() and number and number.isdigit()):
        raise BadBillFile("has no congress or bill number")
    if kind not in BILL_TYPES:
        raise BadBillFile(f"has an unknown bill type {kind!r}")
    title = first_text(bill, "title")
    if not title:
        raise BadBillFile("has no title")
    sponsors = [sponsor(i, "sponsor") for i in items(bill.find("sponsors"), "item")]
    sponsors += [sponsor(i, "cosponsor") for i in items(bill.find("cosponsors"), "item")]
    return BillRecord(
        congress=int(congress),
        bill_type=kind,
        number=int(number),
        title=title,
        origin_chamber=CHAMBERS.get((first_text(bill, "originChamber") or "").lower()),
        introduced_on=to_date(first_text(bill, "introducedDate")),
        policy_area=first_text(bill, "policyArea/name", "subjects/billSubjects/policyArea/name"),
        latest_action_on=to_date(first_text(bill, "latestAction/actionDate")),
        latest_action=first_text(bill, "latestAction/text"),
        updated_at=to_datetime(first_text(bill, "updateDate")),
        sponsors=sponsors,
        committees=committees_of(bill),
        actions=actions_of(bill),
        record=record_of(bill),
    )


def directory_code(system_code: str) -> str:
    """GPO's committee code as the directory writes it: "hswm00" -> "HSWM", "ssju04" ->
    "SSJU04"."""
    code = system_code.upper()
    return code[:-2] if code.endswith("00") else code

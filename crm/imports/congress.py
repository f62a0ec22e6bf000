"""Read the unitedstates/congress-legislators files into a Snapshot.

Files (each as .json, .yaml/.yml or, for legislators-current only, .csv):
legislators-current (required), legislators-social-media, legislators-district-offices,
committees-current, committee-membership-current.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from crm.clock import utc_today
from crm.imports import normalize as norm
from crm.imports.records import (
    CommitteeRecord,
    MembershipRecord,
    OrgRecord,
    PersonRecord,
    Problem,
    Snapshot,
)
from crm.imports.sources import BadFile, Source, find_file, newest_date

DEFAULT_URL = "https://unitedstates.github.io/congress-legislators/"
LEGISLATORS = "legislators-current"
SOCIAL = "legislators-social-media"
DISTRICT_OFFICES = "legislators-district-offices"
COMMITTEES = "committees-current"
MEMBERSHIP = "committee-membership-current"
FILES = (LEGISLATORS, SOCIAL, DISTRICT_OFFICES, COMMITTEES, MEMBERSHIP)
# Published JSON parses ten times faster than YAML; CSV carries the least.
DOWNLOAD_ORDER = (".json", ".yaml", ".csv")

CHAMBERS = {"sen": "upper", "rep": "lower"}
COMMITTEE_CHAMBERS = {"senate": "upper", "house": "lower", "joint": "joint"}
SOCIAL_HANDLES = ("twitter", "facebook", "youtube", "instagram", "mastodon")
SOCIAL_IDS = ("twitter_id", "youtube_id", "instagram_id")
CSV_REQUIRED = ("bioguide_id", "last_name", "first_name", "type", "state", "party")
CSV_IDS = {  # CSV column -> external id key, and whether the YAML has it as a number
    "bioguide_id": ("bioguide", False),
    "thomas_id": ("thomas", False),
    "opensecrets_id": ("opensecrets", False),
    "lis_id": ("lis", False),
    "cspan_id": ("cspan", True),
    "govtrack_id": ("govtrack", True),
    "votesmart_id": ("votesmart", True),
    "ballotpedia_id": ("ballotpedia", False),
    "washington_post_id": ("washington_post", False),
    "icpsr_id": ("icpsr", True),
    "wikipedia_id": ("wikipedia", False),
}


def parse(source: Source, as_of: date | None = None) -> Snapshot:
    """Read every congress-legislators file in the source folder into one Snapshot."""
    paths = {stem: find_file(source.root, stem) for stem in FILES}
    as_of = as_of or source.date or newest_date(p for p in paths.values() if p) or utc_today()
    snap = Snapshot(
        kind="congress",
        dataset="congress-legislators",
        id_field="bioguide_id",
        committee_key_field="code",
        level="federal",
        states=frozenset(),
        as_of=as_of,
        office_kinds=frozenset({"capitol"}),
    )
    problems = snap.problems
    legislators = paths[LEGISLATORS]
    if legislators is None:
        problems.append(Problem(source.label, None, f"no {LEGISLATORS}.yaml, .json or .csv found"))
        return snap
    name = source.name(legislators)
    try:
        if legislators.suffix == ".csv":
            rows = source.read_csv(legislators, CSV_REQUIRED)
            records = [
                csv_person(row, name, f"line {n + 2}", problems) for n, row in enumerate(rows)
            ]
        else:
            data = expect_list(source.read(legislators), name)
            records = [
                yaml_person(item, name, f"record {n + 1}", as_of, problems)
                for n, item in enumerate(data)
            ]
    except BadFile as exc:
        problems.append(exc.problem)
        return snap
    for record in records:
        if isinstance(record, Problem):
            problems.append(record)
        else:
            add_person(snap, record)
    snap.states = frozenset(p.values["state"] for p in snap.people.values())
    add_chambers(snap)
    for stem, reader in ((SOCIAL, read_social), (DISTRICT_OFFICES, read_district_offices)):
        if paths[stem] is not None:
            reader(snap, source, paths[stem])
    if paths[DISTRICT_OFFICES] is not None:
        snap.office_kinds = frozenset({"capitol", "district"})
    if paths[COMMITTEES] is not None:
        read_committees(snap, source, paths[COMMITTEES])
        if paths[MEMBERSHIP] is not None and snap.committees is not None:
            read_memberships(snap, source, paths[MEMBERSHIP])
    elif paths[MEMBERSHIP] is not None:
        problems.append(
            Problem(
                source.name(paths[MEMBERSHIP]), None, f"memberships need {COMMITTEES} beside them"
            )
        )
    return snap


def expect_list(data, name: str) -> list:
    """The data itself when it is a list; raises BadFile naming the file otherwise."""
    if not isinstance(data, list):
        raise BadFile(Problem(name, None, "expected a list of records"))
    return data


def read_list(snap: Snapshot, source: Source, path) -> list | None:
    """A file holding a list of records, or None (the problem noted) when it cannot be read."""
    try:
        return expect_list(source.read(path), source.name(path))
    except BadFile as exc:
        snap.problems.append(exc.problem)
        return None


def add_person(snap: Snapshot, record: PersonRecord) -> None:
    """Add a person to the snapshot, or a problem when their bioguide id is already there."""
    if record.key in snap.people:
        snap.problems.append(Problem(record.file, record.key, "duplicate bioguide id"))
        return
    snap.people[record.key] = record


def require(mapping: Any, key: str):
    """The value of `key`; raises MissingField when it is absent or empty."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None or (isinstance(value, str | list | dict) and not value):
        raise norm.MissingField(key)
    return value


# ---- legislators ----


def yaml_person(
    item: Any, file: str, where: str, as_of: date, problems: list[Problem]
) -> PersonRecord | Problem:
    """One legislators-current record (YAML or JSON) into a PersonRecord, or the Problem."""
    ident = item.get("id") if isinstance(item, dict) else None
    bioguide = norm.text(ident.get("bioguide")) if isinstance(ident, dict) else None
    record_id = bioguide or where
    try:
        if not bioguide:
            raise norm.MissingField("id.bioguide")
        names = require(item, "name")
        terms = require(item, "terms")
        if not isinstance(terms, list):
            raise ValueError("terms is not a list")
        term = terms[-1]  # the file is chronological: the last term is the current one
        kind = require(term, "type")
        if kind not in CHAMBERS:
            raise ValueError(f"term type {kind!r} is not sen or rep")
        state = norm.state_code(require(term, "state"))
        chamber = CHAMBERS[kind]
        district = norm.district_text(term.get("district")) if kind == "rep" else None
        party_label, caucus = current_party(term, as_of)
        clean = norm.Cleaner(problems, file, bioguide)
        values = person_values(
            first=require(names, "first"),
            last=require(names, "last"),
            middle=names.get("middle"),
            suffix=names.get("suffix"),
            nickname=names.get("nickname"),
            official=names.get("official_full"),
            chamber=chamber,
            state=state,
            district=district,
            party_label=party_label,
            caucus=caucus,
        )
        optional = {
            "term_start": norm.to_date(require(term, "start")),
            "term_end": norm.to_date(require(term, "end")),
            "phone": clean.phone(term.get("phone")),
            "website": clean.url(term.get("url"), "url"),
            "contact_form": clean.url(term.get("contact_form"), "contact_form"),
        }
        ids = {k: v for k, v in ident.items() if v not in (None, "", [])}
        offices = []
        if term.get("address") or optional["phone"]:
            offices.append(
                office(
                    "capitol",
                    "Washington, DC",
                    term.get("address"),
                    optional["phone"],
                    clean.phone(term.get("fax"), "fax"),
                    f"{bioguide}-capitol",
                )
            )
        return finish(bioguide, file, values, optional, ids, offices)
    except norm.RECORD_ERRORS as exc:
        return norm.record_problem(exc, file, record_id)


def csv_person(row: dict, file: str, where: str, problems: list[Problem]) -> PersonRecord | Problem:
    """One row of legislators-current.csv (no term dates or Capitol office in this format)."""
    bioguide = norm.text(row.get("bioguide_id"))
    try:
        if not bioguide:
            raise norm.MissingField("bioguide_id")
        kind = require(row, "type")
        if kind not in CHAMBERS:
            raise ValueError(f"type {kind!r} is not sen or rep")
        state = norm.state_code(require(row, "state"))
        clean = norm.Cleaner(problems, file, bioguide)
        values = person_values(
            first=require(row, "first_name"),
            last=require(row, "last_name"),
            middle=row.get("middle_name"),
            suffix=row.get("suffix"),
            nickname=row.get("nickname"),
            official=row.get("full_name"),
            chamber=CHAMBERS[kind],
            state=state,
            district=norm.district_text(row.get("district")) if kind == "rep" else None,
            party_label=require(row, "party"),
            caucus=None,
        )
        phone = clean.phone(row.get("phone"))
        optional = {
            "phone": phone,
            "website": clean.url(row.get("url"), "url"),
            "contact_form": clean.url(row.get("contact_form"), "contact_form"),
        }
        ids: dict[str, Any] = {}
        for column, (key, numeric) in CSV_IDS.items():
            value = norm.text(row.get(column))
            if value:
                ids[key] = int(value) if numeric and value.isdigit() else value
        if norm.text(row.get("fec_ids")):
            ids["fec"] = [v.strip() for v in row["fec_ids"].split(",") if v.strip()]
        offices = []
        if norm.text(row.get("address")) or phone:
            offices.append(
                office(
                    "capitol",
                    "Washington, DC",
                    row.get("address"),
                    phone,
                    None,
                    f"{bioguide}-capitol",
                )
            )
        record = finish(bioguide, file, values, optional, ids, offices)
        record.social, extra = social_values(row)
        record.external_ids.update(extra)
        return record
    except norm.RECORD_ERRORS as exc:
        return norm.record_problem(exc, file, bioguide or where)


def current_party(term: dict, as_of: date) -> tuple[str, str | None]:
    """The party on the snapshot's date: a party switch mid-term is in party_affiliations."""
    party, caucus = require(term, "party"), term.get("caucus")
    spans = term.get("party_affiliations") or []
    if spans:
        dated = sorted(spans, key=lambda s: str(s.get("start") or ""))
        chosen = dated[-1]
        for span in dated:
            start, end = norm.to_date(span.get("start")), norm.to_date(span.get("end"))
            if (start is None or start <= as_of) and (end is None or as_of <= end):
                chosen = span
        party, caucus = chosen.get("party") or party, chosen.get("caucus")
    return party, caucus


def person_values(
    *,
    first,
    last,
    middle,
    suffix,
    nickname,
    official,
    chamber,
    state,
    district,
    party_label,
    caucus,
) -> dict[str, Any]:
    """A legislator's Person fields from the parts of a congress-legislators record."""
    party = norm.party_name(party_label)
    return {
        "kind": "legislator",
        "first_name": norm.text(first),
        "middle_name": norm.text(middle),
        "last_name": norm.text(last),
        "suffix": norm.text(suffix),
        "nickname": norm.text(nickname),
        # official_full first; sparse new records have none, so build it from the parts.
        "full_name": norm.text(official)
        or " ".join(
            p
            for p in (norm.text(nickname) or norm.text(first), norm.text(last), norm.text(suffix))
            if p
        ),
        "title": norm.seat_title("federal", chamber, state),
        "level": "federal",
        "chamber": chamber,
        "state": state,
        "district": district,
        "party": party,
        "party_label": norm.text(party_label),
        # Everyone caucuses with someone: an independent's caucus is given, others' is their party.
        "caucus": norm.party_name(caucus) or party,
        "in_office": True,
    }


def office(kind, label, address, phone, fax, external_id, position=0) -> dict[str, Any]:
    """An office's fields as the import saves them."""
    return {
        "kind": kind,
        "label": norm.text(label),
        "address": norm.text(address),
        "phone": phone,
        "fax": fax,
        "external_id": external_id,
        "position": position,
    }


def finish(
    bioguide: str, file: str, values: dict, optional: dict, ids: dict, offices: list
) -> PersonRecord:
    """A person record with their values, ids and offices, tied to their own office organization."""
    return PersonRecord(
        key=bioguide,
        file=file,
        values=values,
        optional=optional,
        external_ids=ids,
        offices=offices,
        org_key=norm.office_key(bioguide),
    )


def social_values(data: dict) -> tuple[dict, dict]:
    """(handles shown on the person page, numeric account ids kept with the external ids)."""
    handles = {k: str(data[k]).strip() for k in SOCIAL_HANDLES if norm.text(data.get(k))}
    ids = {}
    for k in SOCIAL_IDS:
        value = data.get(k)
        if value in (None, ""):
            continue
        numeric = isinstance(value, str) and value.isdigit() and k != "youtube_id"  # CSV text
        ids[k] = int(value) if numeric else value
    return handles, ids


def add_chambers(snap: Snapshot) -> None:
    """The two chambers, and each member's office as an organization under its chamber."""
    for chamber in ("upper", "lower"):
        key = norm.legislature_key("US", chamber)
        snap.orgs[key] = OrgRecord(
            key,
            {
                "name": norm.legislature_name("US", chamber),
                "kind": "legislature",
                "jurisdiction": "US",
            },
        )
    for person in snap.people.values():
        v = person.values
        capitol = person.offices[0] if person.offices else {}
        snap.orgs[person.org_key] = OrgRecord(
            person.org_key,
            {
                "name": f"Office of {v['title']} {v['full_name']}",
                "kind": "legislative_office",
                "jurisdiction": "US",
                "website": person.optional.get("website"),
                "phone": person.optional.get("phone"),
                "address": capitol.get("address"),
            },
            parent_key=norm.legislature_key("US", v["chamber"]),
        )


# ---- social media and district offices ----


def by_bioguide(snap: Snapshot, source: Source, path):
    """Yield (record, item) for each entry of a file keyed by id.bioguide."""
    name = source.name(path)
    items = read_list(snap, source, path)
    if items is None:
        return
    seen = set()
    for n, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        bioguide = norm.text(ident.get("bioguide")) if isinstance(ident, dict) else None
        if not bioguide:
            snap.problems.append(
                Problem(name, f"record {n + 1}", "missing required field 'id.bioguide'")
            )
            continue
        if bioguide in seen:
            snap.problems.append(Problem(name, bioguide, "duplicate bioguide id"))
            continue
        seen.add(bioguide)
        record = snap.people.get(bioguide)
        if record is None:
            snap.problems.append(
                Problem(name, bioguide, "not a current member: skipped", "warning")
            )
            continue
        yield record, item


def read_social(snap: Snapshot, source: Source, path) -> None:
    """Add social accounts (and the ids they carry) to the people in the snapshot; a problem for
    each entry with none."""
    for record, item in by_bioguide(snap, source, path):
        social = item.get("social")
        if not isinstance(social, dict):
            snap.problems.append(
                Problem(source.name(path), record.key, "missing required field 'social'")
            )
            continue
        record.social, ids = social_values(social)
        record.external_ids.update(ids)


def read_district_offices(snap: Snapshot, source: Source, path) -> None:
    """Add district offices to the people in the snapshot; entries missing an id, city or state, and
    repeated ids, become problems."""
    name = source.name(path)
    seen: set[str] = set()
    for record, item in by_bioguide(snap, source, path):
        offices = item.get("offices") or []
        clean = norm.Cleaner(snap.problems, name, record.key)
        for n, o in enumerate(offices if isinstance(offices, list) else [], start=1):
            oid = norm.text(o.get("id")) if isinstance(o, dict) else None
            if not oid or not norm.text(o.get("city")) or not norm.text(o.get("state")):
                missing = "id" if not oid else ("city" if not norm.text(o.get("city")) else "state")
                snap.problems.append(
                    Problem(
                        name,
                        oid or f"{record.key} office {n}",
                        f"missing required field '{missing}'",
                    )
                )
                continue
            if oid in seen:
                snap.problems.append(Problem(name, oid, "duplicate office id"))
                continue
            seen.add(oid)
            record.offices.append(
                office(
                    "district",
                    o["city"],
                    district_address(o),
                    clean.phone(o.get("phone")),
                    clean.phone(o.get("fax"), "fax"),
                    oid,
                    position=n,
                )
            )


def district_address(o: dict) -> str:
    """A district office's address as two lines: street (building, address, suite), then city, state
    and ZIP."""
    street = ", ".join(
        norm.text(o.get(k)) for k in ("building", "address", "suite") if norm.text(o.get(k))
    )
    city = f"{o['city']}, {o['state']}" + (f" {o['zip']}" if norm.text(o.get("zip")) else "")
    return f"{street}\n{city}" if street else city


# ---- committees ----


def read_committees(snap: Snapshot, source: Source, path) -> None:
    """Read the committees file (and its subcommittees) into the snapshot; bad entries become
    problems."""
    name = source.name(path)
    items = read_list(snap, source, path)
    if items is None:
        return
    committees: dict[str, CommitteeRecord] = {}
    clean = norm.Cleaner(snap.problems, name, None)

    def add(code: str, values: dict, optional: dict, parent: str | None) -> None:
        if code in committees:
            snap.problems.append(Problem(name, code, "duplicate committee id"))
            return
        committees[code] = CommitteeRecord(code, name, values, optional, parent)

    for n, item in enumerate(items):
        code = norm.text(item.get("thomas_id")) if isinstance(item, dict) else None
        try:
            if not code:
                raise norm.MissingField("thomas_id")
            chamber = COMMITTEE_CHAMBERS.get(require(item, "type"))
            if chamber is None:
                raise ValueError(f"type {item['type']!r} is not house, senate or joint")
            clean.record = code
            add(
                code,
                committee_values(require(item, "name"), chamber, code),
                committee_optional(item, clean),
                None,
            )
            for sub in item.get("subcommittees") or []:
                sub_id = norm.text(sub.get("thomas_id"))
                if not sub_id:
                    raise norm.MissingField("subcommittees.thomas_id")
                clean.record = code + sub_id
                add(
                    code + sub_id,
                    committee_values(require(sub, "name"), chamber, code + sub_id),
                    committee_optional(sub, clean),
                    code,
                )
        except norm.RECORD_ERRORS as exc:
            snap.problems.append(norm.record_problem(exc, name, code or f"record {n + 1}"))
    snap.committees = committees


def committee_values(name: str, chamber: str, code: str) -> dict[str, Any]:
    """A federal committee's required fields."""
    return {
        "name": norm.text(name),
        "level": "federal",
        "jurisdiction": "US",
        "chamber": chamber,
        "code": code,
        "active": True,
    }


def committee_optional(item: dict, clean: norm.Cleaner) -> dict[str, Any]:
    """A committee's optional fields (url, phone, address), cleaned."""
    return {
        "url": clean.url(item.get("url"), "url"),
        "phone": clean.phone(item.get("phone")),
        "address": norm.text(item.get("address")),
    }


def read_memberships(snap: Snapshot, source: Source, path) -> None:
    """Read the committee membership file into the snapshot; unknown committees or people and
    repeats become problems."""
    name = source.name(path)
    try:
        data = source.read(path)
        if not isinstance(data, dict):
            raise BadFile(Problem(name, None, "expected a mapping of committee ids to members"))
    except BadFile as exc:
        snap.problems.append(exc.problem)
        return
    memberships: dict[tuple[str, str], MembershipRecord] = {}
    for code, members in data.items():
        code = str(code)
        if code not in snap.committees:
            snap.problems.append(Problem(name, code, "unknown committee id"))
            continue
        for n, member in enumerate(members or [], start=1):
            bioguide = norm.text(member.get("bioguide")) if isinstance(member, dict) else None
            if not bioguide:
                snap.problems.append(
                    Problem(name, f"{code} member {n}", "missing required field 'bioguide'")
                )
                continue
            if bioguide not in snap.people:
                snap.problems.append(
                    Problem(name, f"{code} {bioguide}", "not a current member: skipped", "warning")
                )
                continue
            if (code, bioguide) in memberships:
                snap.problems.append(Problem(name, f"{code} {bioguide}", "duplicate membership"))
                continue
            title = norm.text(member.get("title"))
            rank = member.get("rank")
            memberships[(code, bioguide)] = MembershipRecord(
                code,
                bioguide,
                {
                    "role": norm.committee_role(title),
                    "title": title,
                    "rank": int(rank)
                    if isinstance(rank, int | str) and str(rank).isdigit()
                    else None,
                    "side": norm.text(member.get("party")),
                },
            )
    snap.memberships = memberships

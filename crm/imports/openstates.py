"""Read Open States people YAML (data/<state>/legislature and committees) into a Snapshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from crm.clock import utc_today
from crm.forms import US_STATES
from crm.imports import normalize as norm
from crm.imports.records import (
    CommitteeRecord,
    MembershipRecord,
    OrgRecord,
    PersonRecord,
    Problem,
    Snapshot,
)
from crm.imports.sources import BadFile, Source, newest_date

COMMITTEE_CHAMBERS = {"upper": "upper", "lower": "lower", "legislature": "joint"}
# Open States role types -> Person.chamber.
ROLE_CHAMBERS = {"upper": "upper", "lower": "lower", "legislature": "unicameral"}
OFFICE_KINDS = {  # classification -> (Office.kind, label)
    "capitol": ("capitol", "Capitol"),
    "district": ("district", "District"),
    "capitol-mail": ("mail", "Capitol mailing address"),
    "district-mail": ("mail", "District mailing address"),
}
YAML_SUFFIXES = (".yml", ".yaml")


def state_folders(root: Path) -> dict[str, Path]:
    """State code -> folder holding legislature/ and committees/: the <state>/ folders under
    root or root/data, or root itself when it is one state's folder."""
    base = root / "data" if (root / "data").is_dir() else root
    found: dict[str, Path] = {}
    if (base / "legislature").is_dir() or (base / "committees").is_dir():
        found[base.name.upper()] = base
        return found
    for child in sorted(base.iterdir()):
        if child.is_dir() and ((child / "legislature").is_dir() or (child / "committees").is_dir()):
            found[child.name.upper()] = child
    return found


def yaml_files(folder: Path) -> list[Path]:
    """The YAML files directly in `folder`, sorted; none when it is not a folder."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())


def parse(
    source: Source, states: tuple[str, ...] = (), as_of: date | None = None, progress=None
) -> Snapshot:
    """Read the chosen states (all found when none are given) into one Snapshot."""
    folders = state_folders(source.root) if source.root.is_dir() else {}
    snap = Snapshot(
        kind="openstates",
        dataset="openstates",
        id_field="openstates_id",
        committee_key_field="external_id",
        level="state",
        states=frozenset(),
        as_of=utc_today(),
        committees={},
        memberships={},
        office_kinds=frozenset({"capitol", "district", "mail"}),
    )
    wanted = [s.strip().upper() for s in states if s.strip()]
    for code in wanted:
        if code not in US_STATES:
            snap.problems.append(Problem(source.label, code, f"unknown state code {code!r}"))
        elif code not in folders:
            snap.problems.append(Problem(source.label, code, "no folder for this state"))
    for code in folders:
        if code not in US_STATES:
            snap.problems.append(
                Problem(source.name(folders[code]), None, f"unknown state code {code.lower()!r}")
            )
    chosen = {c: f for c, f in folders.items() if c in US_STATES and (not wanted or c in wanted)}
    if not chosen and not snap.problems:
        snap.problems.append(
            Problem(
                source.label, None, "no <state>/legislature or <state>/committees folders found"
            )
        )
    snap.states = frozenset(chosen)
    people_files = {c: yaml_files(f / "legislature") for c, f in chosen.items()}
    committee_files = {c: yaml_files(f / "committees") for c, f in chosen.items()}
    total = sum(len(v) for v in (*people_files.values(), *committee_files.values()))
    snap.as_of = (
        as_of
        or source.date
        or newest_date(
            p for files in (*people_files.values(), *committee_files.values()) for p in files
        )
        or utc_today()
    )
    done = 0
    for code in chosen:
        for path in people_files[code]:
            read_person(snap, source, code, path)
            done += 1
            if progress and done % 200 == 0:
                progress(done / max(total, 1))
        add_chambers(snap, code)
    for code in chosen:
        for path in committee_files[code]:
            read_committee(snap, source, code, path)
            done += 1
            if progress and done % 200 == 0:
                progress(done / max(total, 1))
    resolve_parents(snap)
    return snap


def require(mapping: Any, key: str):
    """The value of `key`; raises MissingField when it is absent or empty."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None or (isinstance(value, str | list | dict) and not value):
        raise norm.MissingField(key)
    return value


def jurisdiction_state(value: str) -> str:
    """'ocd-jurisdiction/country:us/state:tn/government' -> 'TN'."""
    for part in str(value).split("/"):
        if part.startswith("state:"):
            return norm.state_code(part.removeprefix("state:"))
    raise ValueError(f"jurisdiction {value!r} names no state")


def load(snap: Snapshot, source: Source, path: Path, name: str) -> dict | None:
    """One file's record (a mapping), or None with a problem in the snapshot when it cannot be read
    or is not one."""
    try:
        data = source.read(path)
    except BadFile as exc:
        snap.problems.append(exc.problem)
        return None
    if not isinstance(data, dict):
        snap.problems.append(Problem(name, None, "expected one record (a mapping)"))
        return None
    return data


def read_person(snap: Snapshot, source: Source, folder_state: str, path: Path) -> None:
    """Read one person file into the snapshot; people with no current role are skipped with a
    warning, bad records become problems."""
    name = source.name(path)
    data = load(snap, source, path, name)
    if data is None:
        return
    key = norm.text(data.get("id"))
    try:
        if not key:
            raise norm.MissingField("id")
        role = current_role(require(data, "roles"), snap.as_of)
        if role is None:
            snap.problems.append(
                Problem(name, key, "no current role (every role has ended): skipped", "warning")
            )
            return
        state = jurisdiction_state(require(role, "jurisdiction"))
        if state != folder_state:
            raise ValueError(f"role is in {state} but the file is in the {folder_state} folder")
        role_type = require(role, "type")
        chamber = ROLE_CHAMBERS.get(role_type)
        if chamber not in norm.chambers_of(state):
            raise ValueError(f"role type {role_type!r} is not a seat of the {state} legislature")
        parties = [p for p in require(data, "party") if isinstance(p, dict) and p.get("name")]
        if not parties:
            raise norm.MissingField("party")
        party_label = ([p for p in parties if not p.get("end_date")] or parties)[-1]["name"]
        full_name = require(data, "name")
        family = norm.text(data.get("family_name")) or full_name.split()[-1]
        clean = norm.Cleaner(snap.problems, name, key)
        offices = []
        for n, o in enumerate(data.get("offices") or []):
            kind, label = OFFICE_KINDS.get(o.get("classification"), ("district", None))
            offices.append(
                {
                    "kind": kind,
                    "label": label,
                    "address": norm.text(o.get("address")),
                    "phone": clean.phone(o.get("voice")),
                    "fax": clean.phone(o.get("fax"), "fax"),
                    "external_id": None,
                    "position": n,
                }
            )
        links = [link for link in data.get("links") or [] if isinstance(link, dict)]
        homepage = next((lk["url"] for lk in links if lk.get("note") == "homepage"), None)
        website = homepage or (links[0].get("url") if links else None)
        title = norm.seat_title("state", chamber, state)
        values = {
            "kind": "legislator",
            "first_name": norm.text(data.get("given_name")),
            "middle_name": norm.text(data.get("middle_name")),
            "last_name": family,
            "suffix": norm.text(data.get("suffix")),
            "full_name": norm.text(full_name),
            "title": title,
            "level": "state",
            "chamber": chamber,
            "state": state,
            "district": norm.district_text(role.get("district")),
            "party": norm.party_name(party_label),
            "party_label": norm.text(party_label),
            "in_office": True,
        }
        optional = {
            "term_start": norm.to_date(role.get("start_date")),
            "email": clean.email(data.get("email")),
            "phone": capitol_phone(offices),
            "website": clean.url(website, "website"),
            "photo_url": clean.url(data.get("image"), "image"),
        }
        ids: dict[str, Any] = {}
        for other in data.get("other_identifiers") or []:
            if isinstance(other, dict) and other.get("scheme") and other.get("identifier"):
                ids.setdefault(str(other["scheme"]), []).append(str(other["identifier"]))
        social = {k: str(v) for k, v in (data.get("ids") or {}).items() if norm.text(v)}
    except norm.RECORD_ERRORS as exc:
        snap.problems.append(norm.record_problem(exc, name, key))
        return
    if key in snap.people:
        snap.problems.append(
            Problem(name, key, f"duplicate person id (also in {snap.people[key].file})")
        )
        return
    snap.people[key] = PersonRecord(
        key=key,
        file=name,
        values=values,
        optional=optional,
        social=social,
        external_ids=ids,
        offices=offices,
        org_key=norm.office_key(key),
    )


def current_role(roles: Any, as_of: date) -> dict | None:
    """The role held on as_of: the one without an end date, or ending after as_of (roles are
    not in order). More than one is an error: the record cannot say which seat is held."""
    if not isinstance(roles, list):
        raise ValueError("roles is not a list")
    current = [
        r
        for r in roles
        if isinstance(r, dict)
        and (not r.get("end_date") or (norm.to_date(r["end_date"]) or as_of) > as_of)
    ]
    if len(current) > 1:
        raise ValueError("more than one current role")
    return current[0] if current else None


def capitol_phone(offices: list[dict]) -> str | None:
    """The Capitol office's phone, else the first district office's."""
    for kind in ("capitol", "district"):
        for o in offices:
            if o["kind"] == kind and o["phone"]:
                return o["phone"]
    return None


def add_chambers(snap: Snapshot, state: str) -> None:
    """The state's chambers (one where it is unicameral), and each legislator's office under
    its chamber."""
    for chamber in norm.chambers_of(state):
        key = norm.legislature_key(state, chamber)
        snap.orgs[key] = OrgRecord(
            key,
            {
                "name": norm.legislature_name(state, chamber),
                "kind": "legislature",
                "jurisdiction": state,
            },
        )
    for person in snap.people.values():
        v = person.values
        if v["state"] != state or person.org_key in snap.orgs:
            continue
        capitol = next((o for o in person.offices if o["kind"] == "capitol"), {})
        snap.orgs[person.org_key] = OrgRecord(
            person.org_key,
            {
                "name": f"Office of {v['title']} {v['full_name']}",
                "kind": "legislative_office",
                "jurisdiction": state,
                "website": person.optional.get("website"),
                "phone": person.optional.get("phone"),
                "email": person.optional.get("email"),
                "address": capitol.get("address"),
            },
            parent_key=norm.legislature_key(state, v["chamber"]),
        )


def read_committee(snap: Snapshot, source: Source, folder_state: str, path: Path) -> None:
    """Read one committee file (and its members) into the snapshot; bad records become problems."""
    name = source.name(path)
    data = load(snap, source, path, name)
    if data is None:
        return
    key = norm.text(data.get("id"))
    try:
        if not key:
            raise norm.MissingField("id")
        chamber = COMMITTEE_CHAMBERS.get(require(data, "chamber"))
        if chamber is None:
            raise ValueError(f"chamber {data['chamber']!r} is not upper, lower or legislature")
        state = jurisdiction_state(require(data, "jurisdiction"))
        if norm.chambers_of(state) == ("unicameral",):
            if chamber != "joint":
                raise ValueError(f"chamber {data['chamber']!r}: {state} has one chamber")
            chamber = "unicameral"  # a unicameral legislature's committees are its own
        if state != folder_state:
            raise ValueError(
                f"committee is in {state} but the file is in the {folder_state} folder"
            )
        links = [link for link in data.get("links") or [] if isinstance(link, dict)]
        clean = norm.Cleaner(snap.problems, name, key)
        values = {
            "name": norm.text(require(data, "name")),
            "level": "state",
            "jurisdiction": state,
            "chamber": chamber,
            "external_id": key,
            "active": True,
        }
        optional = {"url": clean.url(links[0].get("url") if links else None, "link")}
        members = data.get("members") or []
        if not isinstance(members, list):
            raise ValueError("members is not a list")
    except norm.RECORD_ERRORS as exc:
        snap.problems.append(norm.record_problem(exc, name, key))
        return
    if key in snap.committees:
        snap.problems.append(
            Problem(name, key, f"duplicate committee id (also in {snap.committees[key].file})")
        )
        return
    snap.committees[key] = CommitteeRecord(
        key, name, values, optional, norm.text(data.get("parent"))
    )
    for n, member in enumerate(members, start=1):
        person = norm.text(member.get("person_id")) if isinstance(member, dict) else None
        who = f"{key} member {n}" + (f" ({member.get('name')})" if isinstance(member, dict) else "")
        if not person:
            snap.problems.append(Problem(name, who, "no person_id: skipped", "warning"))
            continue
        if person not in snap.people:
            snap.problems.append(
                Problem(name, f"{key} {person}", "person not in this import: skipped", "warning")
            )
            continue
        if (key, person) in snap.memberships:
            snap.problems.append(Problem(name, f"{key} {person}", "duplicate membership"))
            continue
        title = norm.text(member.get("role"))
        snap.memberships[(key, person)] = MembershipRecord(
            key,
            person,
            {"role": norm.committee_role(title), "title": title, "rank": None, "side": None},
        )


def resolve_parents(snap: Snapshot) -> None:
    """A problem for each committee whose parent committee is not in the snapshot."""
    for committee in snap.committees.values():
        if committee.parent_key and committee.parent_key not in snap.committees:
            snap.problems.append(
                Problem(
                    committee.file,
                    committee.key,
                    f"unknown parent committee {committee.parent_key}",
                )
            )

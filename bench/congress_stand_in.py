"""A stand-in loader of the current Congress, for the whip board's screenshots and benchmark.

The real importer (`flask crm import-congress`) is being written on another branch. Until it is
merged, this reads the shared congress-legislators snapshot (CC0) just enough for the whip board
and the coverage map: the 537 members (name, chamber, state, district, party, bioguide id) and the
full committees with their members. Not part of the app; not a substitute for the importer.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import sqlalchemy as sa
import yaml

from crm.extensions import db
from crm.models import Committee, CommitteeMembership, Person

ROOT = Path(__file__).resolve().parents[1]
PARTIES = {"Democrat": "Democratic", "Republican": "Republican", "Independent": "Independent"}


def shared_data() -> Path:
    return Path(os.environ.get("CRM_SHARED_DATA") or ROOT.parent / "shared" / "data")


def load_congress() -> int:
    """Add the 537 members of Congress and the full committees; returns the members added."""
    folder = shared_data() / "congress-legislators"
    with open(folder / "legislators-current.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    known = set(db.session.scalars(
        sa.select(Person.bioguide_id).where(Person.bioguide_id.is_not(None))))
    people = []
    for row in rows:
        if row["bioguide_id"] in known:
            continue
        senate = row["type"] == "sen"
        p = Person(
            kind="legislator", level="federal", chamber="upper" if senate else "lower",
            first_name=row["first_name"], middle_name=row["middle_name"] or None,
            last_name=row["last_name"], suffix=row["suffix"] or None,
            nickname=row["nickname"] or None, full_name=row["full_name"],
            state=row["state"], district=None if senate else (row["district"] or "0"),
            party=PARTIES.get(row["party"], row["party"]), party_label=row["party"],
            bioguide_id=row["bioguide_id"], website=row["url"] or None, in_office=True,
            title="U.S. Senator" if senate else "U.S. Representative", source="import",
        )
        p.set_names()
        people.append(p)
    db.session.add_all(people)
    db.session.flush()
    by_bioguide = dict(db.session.execute(
        sa.select(Person.bioguide_id, Person.id).where(Person.bioguide_id.is_not(None))).all())
    committees = yaml.safe_load((folder / "committees-current.yaml").read_text())
    members = yaml.safe_load((folder / "committee-membership-current.yaml").read_text())
    for c in committees:
        code = c["thomas_id"]
        if db.session.scalar(sa.select(Committee.id).where(Committee.code == code)):
            continue
        chamber = {"senate": "upper", "house": "lower"}.get(c["type"], "joint")
        committee = Committee(name=c["name"], level="federal", jurisdiction="US", chamber=chamber,
                              code=code, url=c.get("url"))
        db.session.add(committee)
        db.session.flush()
        seen = set()
        for m in members.get(code, []):
            pid = by_bioguide.get(m["bioguide"])
            if pid and pid not in seen:
                seen.add(pid)
                db.session.add(CommitteeMembership(
                    committee_id=committee.id, person_id=pid, rank=m.get("rank"),
                    role=(m.get("title") or "member").lower(), side=m.get("party")))
    db.session.commit()
    return len(people)

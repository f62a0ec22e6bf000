"""Screenshots of a bill page, a bill's whip board with its public record, and the Conrad 30
map, at desktop (1280) and phone (375) width.

    python bench/bills_screenshots.py [--out docs/screenshots] [--db shots.sqlite]

Builds on bench/whip_screenshots.py's throwaway database (the current Congress and the demo
coalition), then: imports a real Bill Status sample (H.R. 6658 of the 117th Congress, from
../shared/data/billstatus or --billstatus) for the bill page; gives the demo's H.R. 1585 an
illustrative public record (some House members the demo met about it cosponsor 10 to 80 days
later, some cosponsor unmet, one withdraws) with the meetings logged through the contact log; and
fills a fiscal year of Conrad 30 programs for the map. Demo data, for pictures only.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.whip_screenshots import build, coordinator_pages, serving, shoot  # noqa: E402


def add_bill_data(app, samples: Path) -> dict:
    import sqlalchemy as sa

    from crm.clock import utcnow
    from crm.conrad30.services import fiscal_year
    from crm.extensions import db
    from crm.forms import US_STATES
    from crm.imports.bills import import_bills
    from crm.interactions.services import InteractionData, log_interaction
    from crm.models import Bill, BillSponsor, Conrad30Year, Person, Position, User
    from crm.policy.positions import PositionInput, Subject

    now = utcnow()
    rnd = random.Random(1585)
    with app.app_context():
        result = import_bills(samples / "BILLSTATUS-117hr6658.xml", actor=None, now=now)
        assert result.ok, result.problems
        sample = db.session.scalar(sa.select(Bill.id).where(Bill.number == "H.R. 6658"))
        bill = db.session.scalars(sa.select(Bill).where(Bill.number == "H.R. 1585")).one()
        if db.session.scalar(sa.select(sa.func.count()).where(BillSponsor.bill_id == bill.id)):
            return {"sample": sample, "bill": bill.id}
        coordinator = db.session.scalars(
            sa.select(User).where(User.email == "coordinator@example.org")
        ).one()
        house = list(
            db.session.scalars(
                sa.select(Person)
                .where(
                    Person.kind == "legislator",
                    Person.level == "federal",
                    Person.chamber == "lower",
                    Person.bioguide_id.is_not(None),
                )
                .order_by(Person.state, Person.sort_name)
            )
        )
        introduced = (now - timedelta(days=280)).date()
        subject = Subject("bill", bill.id)
        stated = {
            p
            for (p,) in db.session.execute(
                sa.select(Position.person_id).where(Position.bill_id == bill.id)
            )
        }
        rows = [(house[0], "sponsor", introduced, None)]
        met = rnd.sample(house[1:], 30)
        for n, person in enumerate(met):
            when = now - timedelta(days=rnd.randrange(100, 260))
            stance = "oppose" if n == 0 else ("undecided" if n % 5 == 0 else "lean_support")
            log_interaction(
                coordinator,
                InteractionData(
                    people=[person.id],
                    occurred_at=when,
                    kind="meeting",
                    subject="Conrad 30 reauthorization: H.R. 1585",
                    bills=[bill.id],
                    positions=[]
                    if person.id in stated
                    else [PositionInput(person.id, subject, stance)],
                ),
                when,
            )
            if n % 2 == 0:
                since = (when + timedelta(days=rnd.randrange(10, 80))).date()
                withdrawn = since + timedelta(days=30) if n == 4 else None
                rows.append((person, "cosponsor", since, withdrawn))
        unmet = [p for p in house[1:] if p not in met]
        for person in rnd.sample(unmet, 25):
            rows.append(
                (person, "cosponsor", introduced + timedelta(days=rnd.randrange(0, 200)), None)
            )
        db.session.add_all(
            BillSponsor(
                bill_id=bill.id,
                role=role,
                bioguide_id=p.bioguide_id,
                full_name=p.full_name,
                party=(p.party or "")[:1],
                state=p.state,
                district=p.district,
                original=since == introduced,
                sponsored_on=since,
                withdrawn_on=withdrawn,
            )
            for p, role, since, withdrawn in rows
        )
        bill.tracked, bill.record_updated_at = True, now
        fy = fiscal_year(now.date())
        members = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
        have = set(
            db.session.scalars(sa.select(Conrad30Year.state).where(Conrad30Year.fiscal_year == fy))
        )
        for code in US_STATES:
            if code in have or rnd.random() < 0.15:
                continue
            used = min(30, int(rnd.triangular(4, 31, 28)))
            opens = now.date() + timedelta(days=rnd.randrange(-60, 120))
            db.session.add(
                Conrad30Year(
                    state=code,
                    fiscal_year=fy,
                    slots_used=used,
                    flex_used=min(10, used // 3),
                    window_opens=opens,
                    window_closes=opens + timedelta(days=rnd.choice((30, 60, 90))),
                    covering_member_id=rnd.choice(members),
                )
            )
        db.session.commit()
        return {"sample": sample, "bill": bill.id}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--db", help="reuse this SQLite file if it exists (faster reruns)")
    parser.add_argument("--billstatus", default=str(ROOT.parent / "shared" / "data" / "billstatus"))
    parser.add_argument("--max-height", type=int, default=3200)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db_path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="crm-shots-")) / "s.db"
    app, _ = build(f"sqlite:///{db_path}", fresh=not db_path.exists())
    ids = add_bill_data(app, Path(args.billstatus))

    pages = {
        "bill-page": f"/bills/{ids['sample']}",
        "whip-board-public-record": f"/bills/{ids['bill']}/whip",
        "whip-board-met-not-cosponsor": f"/bills/{ids['bill']}/whip?record=met_not_cosponsor",
        "conrad30-map": "/conrad30/",
    }
    with serving(app) as base:
        for size, page in coordinator_pages(base):
            for name, path in pages.items():
                page.goto(base + path)
                shoot(page, out / f"{name}-{size}.png", args.max_height)


if __name__ == "__main__":
    main()

"""Screenshots of an agency page with tags and staff, the directory's tag filter with saved
lists, and the import's column-mapping screen after a real upload, at 1280 and 375 px.

    python bench/tags_screenshots.py [--out docs/screenshots] [--db shots.sqlite]

Builds a throwaway SQLite database with the current Congress (bench/congress.py, the real
importer) and the demo coalition (`crm.demo.seed`), puts tags, saved lists and staff roles on it
through the services, serves the app on 127.0.0.1 at a free port in a thread, signs in as the
demo coordinator with Playwright driving Debian's Chromium and writes full-page PNGs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.whip_screenshots import coordinator_pages, serving, shoot  # noqa: E402

CONTACTS_CSV = """\ufeffContact,Agency or office,Title,State,E-mail,Phone
Harriet Vance,USCIS,Policy Analyst,,harriet.vance@example.org,202-555-0141
Beatriz Calloway,Texas DSHS,Conrad 30 Coordinator,TX,beatriz.calloway@example.org,512-555-0199
John Cornyn,,U.S. Senator,TX,,202-224-2934
Amy Klobuchar,,U.S. Senator,MN,,202-224-3244
"""


def build(url: str, fresh: bool):
    import sqlalchemy as sa

    from bench.congress import load_congress
    from crm import create_app
    from crm.clock import utcnow
    from crm.demo import seed
    from crm.extensions import db
    from crm.lists.services import save_list
    from crm.models import Organization, Person, Tag, User
    from crm.staff.services import RoleData, add_role, move_staffer
    from crm.tags.services import create_tag, set_tag

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if fresh:
            db.create_all()
            print("members of Congress:", load_congress())
            print("demo:", seed(utcnow()))
            now = utcnow()
            coordinator = db.session.scalar(
                sa.select(User).where(User.email == "coordinator@example.org")
            )

            def org(key):
                return db.session.scalar(
                    sa.select(Organization).where(Organization.external_id == key)
                )

            def person(name):
                return db.session.scalar(sa.select(Person).where(Person.full_name == name))

            uscis, dos = org("demo:uscis"), org("demo:dos-ca")
            tags = {
                name: create_tag(coordinator, name, now)
                for name in ("Conrad 30 champion", "Waiver policy", "Hill day 2027", "J-1 visas")
            }
            for name in ("Waiver policy", "J-1 visas"):
                set_tag(coordinator, "organization", uscis, tags[name].id, True, now)
            senators = db.session.scalars(
                sa.select(Person)
                .where(Person.level == "federal", Person.chamber == "upper", Person.state == "TX")
                .order_by(Person.sort_name)
            ).all()
            more = db.session.scalars(
                sa.select(Person)
                .where(Person.level == "federal", Person.chamber == "upper")
                .where(Person.state.in_(("MN", "WA", "IL", "MD")))
                .order_by(Person.sort_name)
            ).all()
            for p in [*senators, *more]:
                set_tag(coordinator, "person", p, tags["Conrad 30 champion"].id, True, now)
            for p in senators:
                set_tag(coordinator, "person", p, tags["Hill day 2027"].id, True, now)
            vance = person("Harriet Vance")
            add_role(
                coordinator,
                RoleData(vance.id, uscis.id, "Policy Analyst", "J-1 waivers", date(2024, 5, 6)),
                now,
            )
            arroyo = person("Miguel Arroyo")
            first = add_role(
                coordinator,
                RoleData(
                    arroyo.id, dos.id, "Waiver Review Liaison", "Conrad 30", date(2022, 1, 10)
                ),
                now,
            )
            move_staffer(
                coordinator,
                first,
                RoleData(None, uscis.id, "Senior Adjudications Officer", "physician waivers"),
                date(2025, 9, 1),
                now,
            )
            save_list(
                coordinator,
                "Conrad 30 champions",
                f"tag={tags['Conrad 30 champion'].id}",
                True,
                now,
            )
            save_list(coordinator, "Texas delegation", "state=TX&level=federal", True, now)
            save_list(
                coordinator,
                "Never contacted senators",
                "chamber=upper&never_contacted=1",
                False,
                now,
            )
        ids = {
            "uscis": db.session.scalar(
                sa.select(Organization.id).where(Organization.external_id == "demo:uscis")
            ),
            "tag": db.session.scalar(sa.select(Tag.id).where(Tag.name == "Conrad 30 champion")),
        }
    return app, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--db", help="reuse this SQLite file if it exists (faster reruns)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="crm-shots-"))
    db_path = Path(args.db) if args.db else folder / "shots.sqlite"
    app, ids = build(f"sqlite:///{db_path}", fresh=not db_path.exists())
    upload = folder / "coalition-contacts.csv"
    upload.write_text(CONTACTS_CSV, encoding="utf-8")

    pages = {
        "agency-page-tags-staff": f"/organizations/{ids['uscis']}",
        "directory-tag-filter": f"/people/?tag={ids['tag']}",
    }
    with serving(app) as base:
        for size, page in coordinator_pages(base):
            for name, path in pages.items():
                page.goto(base + path)
                shoot(page, out / f"{name}-{size}.png")
            page.goto(base + "/intake/")
            page.get_by_label("CSV or Excel file").set_input_files(str(upload))
            page.get_by_label("It holds").select_option("people")
            page.locator("main form[method=post] button[type=submit]").first.click()
            page.wait_for_load_state("load")
            shoot(page, out / f"intake-mapping-{size}.png")


if __name__ == "__main__":
    main()

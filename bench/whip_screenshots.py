"""Screenshots of the whip board, the coverage map and positions, at desktop and phone width.

    python bench/whip_screenshots.py [--out docs/screenshots]

Builds a throwaway SQLite database with the current Congress (bench/congress.py, the real
importer) and the
demo coalition (`crm.demo.seed`, which records positions), serves the app on 127.0.0.1 at a free
port in a thread, signs in as the demo coordinator with Playwright driving Debian's Chromium, and
writes full-page PNGs: desktop 1280 wide and phone 375 x 812.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 for the length of the block; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def coordinator_pages(base: str) -> Iterator[tuple[str, object]]:
    """(size, page) for each of SIZES: a browser page signed in as the demo coordinator."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#email", "coordinator@example.org")
            page.fill("#password", "taskforce-demo-2026")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            yield size, page
            context.close()
        browser.close()


def shoot(page, target: Path, max_height: int = 2600) -> None:
    """A screenshot of the whole page, cut at max_height."""
    width = page.viewport_size["width"]
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(
        path=str(target),
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": min(height, max_height)},
    )
    print("wrote", target)


def build(url: str, fresh: bool = True):
    import sqlalchemy as sa

    from bench.congress import load_congress
    from crm import create_app
    from crm.clock import utcnow
    from crm.demo import seed
    from crm.extensions import db
    from crm.models import Bill, Issue

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if fresh:
            db.create_all()
            print("members of Congress:", load_congress())
            print("demo:", seed(utcnow()))
        bill = db.session.scalar(sa.select(Bill.id).where(Bill.number == "H.R. 1585"))
        issue = db.session.scalar(sa.select(Issue.id).where(Issue.slug == "conrad-30"))
        from crm.models import Person, Position

        person = db.session.scalar(
            sa.select(Position.person_id)
            .join(Person, Person.id == Position.person_id)
            .where(Position.bill_id == bill)
            .group_by(Position.person_id)
            .order_by(sa.func.count().desc(), Position.person_id)
            .limit(1)
        )
    return app, {"bill": bill, "issue": issue, "person": person}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--db", help="reuse this SQLite file if it exists (faster reruns)")
    parser.add_argument(
        "--max-height",
        type=int,
        default=2600,
        help="cut long pages (the House's whip board) to this height",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="crm-shots-"))
    db_path = Path(args.db) if args.db else folder / "shots.sqlite"
    app, ids = build(f"sqlite:///{db_path}", fresh=not db_path.exists())

    pages = {
        "whip-board": f"/bills/{ids['bill']}/whip",
        "whip-board-issue": f"/issues/{ids['issue']}/whip?chamber=upper",
        "coverage-map": "/reports/",
        "person-positions": f"/people/{ids['person']}#positions",
        "quick-log-positions": f"/log?person={ids['person']}",
    }
    with serving(app) as base:
        for size, page in coordinator_pages(base):
            for name, path in pages.items():
                page.goto(base + path)
                if name == "quick-log-positions":
                    page.click("summary:has-text('Notes, outcome')")
                    page.check("input[name=issues] >> nth=0")
                    page.check("input[name=bills] >> nth=0")
                    page.click("#positions-block > summary")
                    page.select_option("select[name^=position-] >> nth=0", "lean_support")
                history = page.locator("#positions details.history summary")
                if name == "person-positions" and history.count():
                    history.first.click()
                shoot(page, out / f"{name}-{size}.png", args.max_height)


if __name__ == "__main__":
    main()

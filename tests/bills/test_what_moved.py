"""The dashboard's "what moved" panel: this week's changes on tracked bills, with the offices
the member holds among the new cosponsors, in one statement however many moved."""

from __future__ import annotations

from datetime import timedelta

from crm.clock import utcnow
from tests.factories import PersonFactory, UserFactory
from tests.helpers import QueryCounter
from tests.jobs.test_digest_content import add_tracked_bill_moves


def test_the_dashboard_says_what_moved_and_which_of_my_offices_cosponsored(
    db, auth, client, member
):
    bill, office = add_tracked_bill_moves(db, member, utcnow())
    auth.login(member.email)
    page = client.get("/").get_data(as_text=True)
    panel = page[page.index('class="card mb-4 what-moved"') :]
    panel = panel[: panel.index("</section>")]
    assert "What moved on tracked bills this week" in panel and "(2)" in panel
    assert "Your office cosponsored:" in panel and office.full_name in panel
    assert f'href="/bills/{bill.id}"' in panel
    assert "Referred to the Subcommittee on Immigration." in panel
    assert "Untracked action" not in panel and "Last month" not in panel
    auth.logout()
    other = UserFactory(email="bob@example.org", name="Bob Other")
    auth.login(other.email)
    page = client.get("/").get_data(as_text=True)
    assert "What moved on tracked bills this week" in page and "Your office" not in page


def test_no_moves_no_panel(db, auth, client, member):
    auth.login(member.email)
    assert "What moved on tracked bills" not in client.get("/").get_data(as_text=True)


def test_the_panel_costs_one_statement_however_many_moved(db, auth, client, member):
    auth.login(member.email)
    add_tracked_bill_moves(db, member, utcnow())
    client.get("/")
    with QueryCounter(db.engine) as few:
        client.get("/")
    for n in range(12):
        add_tracked_bill_moves(db, member, utcnow() - timedelta(hours=n), tag=str(n))
        PersonFactory()
    with QueryCounter(db.engine) as many:
        page = client.get("/").get_data(as_text=True)
    assert "and 18 more on the bill pages." in page  # 26 moves, 8 listed
    assert few.count == many.count

from datetime import date, timedelta

from crm.clock import utcnow
from tests.factories import AssignmentFactory, PersonFactory


def test_pages_render(client, as_coordinator, db):
    p = PersonFactory()
    a = AssignmentFactory(person=p, assignee=as_coordinator, due_on=date.today() + timedelta(days=2))
    for url in ["/", "/my-work", "/touch", "/assignments", "/assignments/new", f"/assignments/{a.id}",
                f"/assignments/{a.id}/edit", "/assignments/follow-ups", "/campaigns/", "/campaigns/new",
                "/campaigns/new?state=TX", "/settings/", f"/people/{p.id}", "/people/", "/log",
                f"/log?person={p.id}&assignment={a.id}", f"/log/last-contact?people={p.id}"]:
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[-3000:])

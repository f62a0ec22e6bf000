"""A double (or tenfold) tap on "Log": parallel posts of one quick-log form, against a live server.

Every request answers as a user expects (redirect to the one contact logged), none with a 500 (the
losers of the race hit the unique submission key at an autoflush: an IntegrityError), and exactly
one contact exists. Runs on SQLite and, with CRM_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import sqlalchemy as sa

from crm.models import Interaction
from tests.factories import PASSWORD, PersonFactory

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
KEY = re.compile(
    r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"'
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One signed-in browser: its cookie, shared by the threads that post at once."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()

    def opener(self):
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener().open(self.base + path, data=body, timeout=60) as resp:
                return resp.status, resp.headers.get("Location", ""), resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", ""), e.read().decode(errors="replace")

    def sign_in(self, email: str) -> None:
        _, _, page = self.request("/login")
        status, _, _ = self.request(
            "/login",
            {"email": email, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)},
        )
        assert status == 302


def test_parallel_posts_with_one_submission_key_log_one_contact(live_server, member, db):
    person = PersonFactory()
    db.session.commit()
    browser = Browser(live_server)
    browser.sign_in(member.email)
    _, _, page = browser.request("/log")
    key = next(g for g in KEY.search(page).groups() if g)
    form = {
        "csrf_token": TOKEN.search(page).group(1),
        "submission_key": key,
        "people": str(person.id),
        "occurred_at": "2026-11-20T10:00",
        "kind": "meeting",
        "subject": "Conrad 30 cosponsorship",
        "members": str(member.id),
    }
    n = 10
    barrier = threading.Barrier(n)
    results: list[tuple[int, str]] = []

    def post():
        barrier.wait(30)
        status, location, _ = browser.request("/log", form)
        results.append((status, location))

    threads = [threading.Thread(target=post) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    db.session.expire_all()
    logged = db.session.scalars(sa.select(Interaction)).all()
    assert len(logged) == 1 and logged[0].submission_key == key
    assert len(results) == n
    assert [s for s, _ in results] == [302] * n, results
    assert {loc for _, loc in results} == {f"/interactions/{logged[0].id}"}, results

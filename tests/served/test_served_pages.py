"""The page sweep: every GET page of the url_map, as each role, at 375 and 1280 px, served.

For each page and role: the status the access matrix (tests/test_access.py EXPECTED) says, no
console errors, no sideways scroll, every post form carries its CSRF token, targets of at least
24 px on a phone, and axe-core finds nothing serious or critical (run once per width for each
distinct page structure: roles that see the same page are checked once, and a page whose
navigation, header and footer were already checked on another page has its `main` checked).
With SCREENSHOT_DIR set, each page is saved at both widths as the most senior role sees it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.served.conftest import ALL_TABLES, ROLES, WIDTHS
from tests.serving import axe_violations, clipped_regions, sideways_overflow, small_targets
from tests.test_access import EXPECTED, NEEDED, RANK, ROUTES, sample_url

pytestmark = [pytest.mark.browser, pytest.mark.one_engine, pytest.mark.keep_tables(*ALL_TABLES)]

DOWNLOAD_SUFFIXES = (".csv", ".ics", ".pdf", ".xlsx")
# Answers that are not pages: JSON and the fragments htmx swaps into a page.
NOT_PAGES = {
    "main.healthz",
    "main.readyz",
    "people.search",
    "search.suggest",
    "interactions.last_contact",
    "imports.status",
    "imports.worker",
    "api-docs.openapi_json",
}
PAGES = sorted(
    {
        (endpoint, rule)
        for endpoint, rule, method in ROUTES
        if method == "GET"
        and not rule.endswith(DOWNLOAD_SUFFIXES)
        # The API answers tokens, not browsers (tests/served/test_served_api.py).
        and EXPECTED[endpoint] != "token"
    }
)
AXE = os.environ.get("AXE_JS")
CSRF_EXEMPT_PREFIXES = ("/links/", "/unsubscribe/")

# The structure of a page (tags, ids, classes, in order) outside its `main` and inside it, so
# axe checks each distinct structure once: the whole page when what surrounds `main` (skip link,
# navigation for the role, the active section) is new at this width, else `main` alone when it is
# new. Text and numbers are left out. A document without `main` is all "outside".
STRUCTURE_JS = """() => {
  const shape = e => e.tagName + '#' + e.id + '.' +
    (typeof e.className === 'string' ? e.className : '');
  const main = document.querySelector('main');
  const all = Array.from(document.querySelectorAll('body *'));
  return [all.filter(e => !main || !main.contains(e)).map(shape).join('|'),
          main ? Array.from(main.querySelectorAll('*')).map(shape).join('|') : null];
}"""
FORMS_WITHOUT_TOKEN_JS = """(exempt) => Array.from(document.querySelectorAll('form'))
  .filter(f => (f.getAttribute('method') || '').toLowerCase() === 'post')
  .filter(f => !exempt.some(p => new URL(f.action, location.href).pathname.startsWith(p)))
  .filter(f => !(f.querySelector('input[name$=csrf_token]') || {}).value)
  .map(f => f.getAttribute('action') || location.pathname)"""

# The top navigation fits on one line: every item on the same row, no label broken in two.
NAV_WRAPS_JS = """() => {
  const items = Array.from(document.querySelectorAll(
    'nav.navbar .navbar-brand, nav.navbar .navbar-nav > li, ' +
    'nav.navbar .nav-cta, nav.navbar .nav-end'))
    .map(i => i.getBoundingClientRect()).filter(r => r.width > 0);
  if (!items.length) return false;
  const mid = r => r.top + r.height / 2, first = items[0];
  const sameRow = items.every(r => Math.abs(mid(r) - mid(first)) < first.height / 2);
  const tall = Array.from(document.querySelectorAll('nav.navbar .nav-link, nav.navbar .btn'))
    .some(a => a.getBoundingClientRect().height > 48);
  return !sameRow || tall;
}"""


def url_for_page(endpoint: str, rule: str, world) -> str:
    return sample_url(rule, world.ids)


def expectation(endpoint: str, role: str) -> str:
    needed = NEEDED[EXPECTED[endpoint]]
    if needed == 0 or RANK[role] >= needed:
        return "ok"
    return "login" if RANK[role] == 0 else "forbidden"


@pytest.fixture(scope="module")
def axe_seen():
    return set()


def axe_scope(seen: set, width: str, outside: str, main: str | None) -> str | None:
    """What axe must check on a page: "page" (all of it), "main", or None (nothing new)."""
    keys = {
        "page": (width, "outside", hashlib.sha1(outside.encode()).hexdigest()),
        "main": (width, "main", hashlib.sha1((main or "").encode()).hexdigest()),
    }
    if main is None:  # no `main`: the page is checked whole, once per structure
        keys.pop("main")
    new = [scope for scope, key in keys.items() if key not in seen]
    seen.update(keys.values())
    if "page" in new:
        return "page"
    return "main" if new else None


class Tab:
    """One browser tab per role and width, navigated from page to page: a new tab costs a
    renderer's start and a fresh compile of axe-core, a navigation in the same tab neither."""

    def __init__(self, context):
        self.context = context
        self.page = None
        self.errors: list[str] = []

    def visit(self, served_app, path: str):
        """Open the page in the tab; returns (page, response, console errors of this page)."""
        if self.page is None or self.page.is_closed():
            self.page = self.context.new_page()
            self.page.on("console", lambda m: self._error(m.text) if m.type == "error" else None)
            self.page.on("pageerror", lambda e: self._error(f"uncaught: {e}"))
        self.errors = []
        try:
            response = self.page.goto(served_app.url(path), wait_until="load")
            # htmx's load-triggered requests start before the load event; wait for their answers.
            self.page.wait_for_function("() => window.__requestsInFlight === 0")
        except Exception:
            self.close()  # the next page starts in a new tab
            raise
        return self.page, response, self.errors

    def _error(self, text: str) -> None:
        self.errors.append(text)

    def close(self) -> None:
        if self.page is not None and not self.page.is_closed():
            self.page.close()
        self.page = None


@pytest.fixture(scope="module")
def tab(role_context):
    """tab(role, width) -> that role's tab at that width, kept for the module."""
    tabs: dict[tuple[str, str], Tab] = {}

    def get(role: str, width: str) -> Tab:
        if (role, width) not in tabs:
            tabs[role, width] = Tab(role_context(role, width))
        return tabs[role, width]

    yield get
    for each in tabs.values():
        each.close()


@pytest.mark.parametrize("endpoint,rule", PAGES, ids=[e for e, _ in PAGES])
def test_page(endpoint, rule, world, tab, served_app, axe_seen):
    path = url_for_page(endpoint, rule, world)
    problems: list[str] = []
    shots = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
    for width in WIDTHS:
        shot_taken = False
        for role in reversed(ROLES):  # admin first: the page with the most on it
            where = f"{role}@{width}"
            page, response, errors = tab(role, width).visit(served_app, path)
            expected = expectation(endpoint, role)
            status = response.status if response else 0
            final = page.url.removeprefix(served_app.base)
            if expected == "login":
                if not final.startswith("/login"):
                    problems.append(f"{where}: not sent to sign in (status {status}, {final})")
                continue  # the sign-in page itself is swept as auth.login
            # The browser logs the document's own error status (a 403, or the 400 of a
            # refused link token) as a console error: that one is expected.
            errors = [e for e in errors if f"status of {status} " not in e or status < 400]
            if expected == "forbidden":
                if status != 403:
                    problems.append(f"{where}: status {status}, expected 403")
            elif status >= 400 and endpoint not in {
                "links.done",
                "links.snooze",
                "links.unsubscribe",
                "auth.accept_invitation",
                "auth.reset_password",  # the sweep's token is refused (400), by design
            }:
                problems.append(f"{where}: status {status}")
            if errors:
                problems.append(f"{where}: console errors {errors}")
            if endpoint in NOT_PAGES:
                continue
            overflow = sideways_overflow(page)
            if overflow:
                problems.append(f"{where}: scrolls sideways: {overflow}")
            if width == "desktop" and page.evaluate(NAV_WRAPS_JS):
                problems.append(f"{where}: the top navigation wraps onto a second line")
            if width == "phone":
                clipped = clipped_regions(page)
                if clipped:
                    problems.append(f"{where}: content cut off in a sideways scroller: {clipped}")
            missing = page.evaluate(FORMS_WITHOUT_TOKEN_JS, list(CSRF_EXEMPT_PREFIXES))
            if missing:
                problems.append(f"{where}: post forms without a CSRF token: {missing}")
            if width == "phone":
                small = small_targets(page)
                if small:
                    problems.append(f"{where}: targets under 24 px: {small[:10]}")
            if AXE:
                scope = axe_scope(axe_seen, width, *page.evaluate(STRUCTURE_JS))
                for v in axe_violations(page, "main" if scope == "main" else None) if scope else ():
                    problems.append(f"{where}: axe {v['impact']} {v['id']}: {v['nodes']}")
            if shots and not shot_taken and expected == "ok":
                shots.mkdir(parents=True, exist_ok=True)
                name = endpoint.replace(".", "-")
                page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
                shot_taken = True
    assert not problems, "\n".join(problems)

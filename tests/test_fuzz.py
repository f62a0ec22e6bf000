"""B1: fuzzed input into every form never produces a server error, on SQLite and PostgreSQL.

The endpoints are every POST rule of the app's own url_map (tests/test_access.py ROUTES), so a new
form is fuzzed without anyone listing it. For each one the test finds its form the way a browser
does: on the endpoint's own page, or on the page that carries it (a person, an assignment, ...),
and reads the form's fields and their current values: a valid post. Hypothesis then spoils one to
three fields (or drops them, or adds unknown ones) with adversarial values: unicode of every
category, NUL and other control characters, CR/LF, strings past every column length, ids of 0,
negative, 2^31 and 2^63, non-ASCII digits, and dates from year 1 to 9999. It posts as the role the
access matrix says may use the endpoint, with a valid CSRF token: every answer must be < 500.

Then each field alone gets the values that broke its kind before (2^31, 2^63; 9999-12-31;
a ligature that folds to 18 letters; NUL with CR/LF). Bounded: MAX_EXAMPLES random posts per
endpoint (CRM_FUZZ_EXAMPLES), derandomized, plus two per field: the same every run.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from crm.forms import BaseForm
from tests.factories import UserFactory
from tests.test_access import EXPECTED, ROUTES, route_url, sample  # noqa: F401 (fixture)

MAX_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "5"))
# Signing out ends the session the fuzz posts with; nothing else is left out.
SKIP = {"auth.logout"}
POSTS = [(e, r) for e, r, m in ROUTES if m == "POST" and e not in SKIP]

NO_SURROGATES = st.characters(exclude_categories=("Cs",))
TEXT = st.one_of(
    st.text(NO_SURROGATES, max_size=40),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=10),
    st.text(st.sampled_from("\x00\r\n\t\x0b\x85\u2028\u2029\u202e\u0301 a<>&'\""), max_size=30),
    st.builds(lambda c, n: c * n, st.sampled_from("xé\ufdfa\U0001f600"), st.integers(60, 600)),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\r\nBcc: x@example.org",
            "<script>alert(1)</script>",
            "=cmd|' /C calc'!A0",
            "x" * 5001,
            "y" * 50001,
        ]
    ),
)
IDS = st.one_of(
    st.sampled_from(
        ["0", "-1", "1", str(2**31 - 1), str(2**31), str(2**63), str(2**64 + 1), "9" * 40]
        + ["²", "1²", "١٢", "1e3", "0x10", " 7 ", "1,2", "1,,2", "i1", "b1", "i²", "b0"]
    ),
    st.integers(-(2**70), 2**70).map(str),
)
DATES = st.one_of(
    st.sampled_from(
        ["9999-12-31", "9999-12-31T23:59", "0001-01-01", "0001-01-01T00:00", "1899-12-31"]
        + ["2026-02-30", "2026-13-01", "2026-11-20T25:61", "2100-12-31T23:59", "20261120"]
    ),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
)
NASTY = st.one_of(TEXT, IDS, DATES)
ID_FIELDS = re.compile(
    r"(_id|^people|^members|^issues|^bills|^follow_ups|^complete|version|^assignee-)"
)
DATE_FIELDS = re.compile(r"(_on$|_at$|^until$|date)")


def killers_for(name: str) -> list[str]:
    """The values that broke fields of this kind once (each field of each form gets them)."""
    if ID_FIELDS.search(name):
        return [str(2**31), str(2**63)]  # PostgreSQL's integer, then SQLite's int64
    if DATE_FIELDS.search(name):
        return ["9999-12-31T23:59", "9999-12-31"]
    return ["\ufdfa" * 60, "a\x00\r\nb"]  # folds to 1,080 letters; NUL and CR/LF


def nasty_for(name: str):
    """Mostly what breaks this kind of field (ids, dates, text), sometimes anything."""
    aimed = IDS if ID_FIELDS.search(name) else DATES if DATE_FIELDS.search(name) else TEXT
    return st.one_of(aimed, aimed, NASTY)


def form_fields() -> set[str]:
    """Every field name of every form class: what a post with no page to read it from gets."""
    names, todo = set(), [BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names |= {n for n in dir(cls) if isinstance(getattr(cls, n, None), UnboundField)}
    return names


class Forms(HTMLParser):
    """The forms of a page: action path -> {field name: current value}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str]] = {}
        self.current: dict[str, str] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = self.forms.setdefault(urlsplit(a.get("action") or "").path, {})
        elif self.current is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.current.setdefault(a["name"], "")
            else:
                self.current[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a["name"]
            self.current.setdefault(self.select, "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current[self.textarea] = ""
        if tag == "option" and self.select and self.current is not None:
            if "selected" in a or not self.current.get(self.select):
                self.current[self.select] = a.get("value") or ""

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def valid_values(ids: dict, user) -> dict[str, str]:
    """What a person fills in for the fields a page leaves empty (required ones included)."""
    person = str(ids["person_id"])
    return {
        "people": person,
        "members": str(user.id),
        "occurred_at": "2026-11-20T10:00",
        "last_name": "Fuzz",
        "title": "Fuzz the office",
        "name": "Fuzz",
        "label": "Fuzz follow-up",
        "email": "fuzz@example.org",
        "subject": f"i{ids['issue_id']}",
        "stance": "support",
        "number": "H.R. 9999",
        "session": "119",
        "jurisdiction": "US",
        "status": "open",
        "due_in_days": "3",
    }


HOSTS = [
    "/people/{person_id}",
    "/organizations/{org_id}",
    "/days/{day_id}",
    "/assignments/{assignment_id}",
    "/interactions/{interaction_id}",
    "/campaigns/{campaign_id}",
    "/assignments/follow-ups",
    "/admin/users",
    "/admin/status",
    "/my-work",
    "/issues/{issue_id}/whip",
    "/settings/",
    "/tags/",
    "/people/?state=TX",
]


@pytest.mark.parametrize("endpoint,rule", POSTS, ids=[e for e, _ in POSTS])
def test_every_form_answers_fuzzed_input_without_a_server_error(
    endpoint,
    rule,
    client,
    auth,
    sample,  # noqa: F811
    member,
    coordinator,
    admin,
):
    role = EXPECTED[endpoint]
    user = {"member": member, "coordinator": coordinator, "admin": admin}.get(role)
    if role == "member":  # the coordinator owns the sample work: the post reaches the service
        user = coordinator
    url = route_url(endpoint, rule, sample)

    def sign_in() -> str:
        if user is None:
            return auth.csrf()
        auth.login(user.email)
        return auth.token()

    token = sign_in()
    methods = next(r.methods for r in client.application.url_map.iter_rules() if r.rule == rule)
    pages = ([url] if "GET" in methods else []) + [h.format(**sample) for h in HOSTS]
    found: dict[str, str] | None = None
    for page in pages:
        parser = Forms()
        parser.feed(client.get(page).get_data(as_text=True))
        if url in parser.forms:
            found = parser.forms[url]
            break
    defaults = valid_values(sample, user or UserFactory.build(id=1))
    if found is None:  # no page shows this form to the role: every known field name
        fields = {name: defaults.get(name, "") for name in form_fields()}
    else:
        fields = {k: (v or defaults.get(k, "")) for k, v in found.items()}
    fields.pop("csrf_token", None)
    csrf_name = next((k for k in (found or {}) if k.endswith("csrf_token")), "csrf_token")
    names = sorted(fields)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        spoiled=st.lists(
            st.sampled_from(names or ["x"]), min_size=1, max_size=3, unique=True
        ).flatmap(lambda keys: st.fixed_dictionaries({k: nasty_for(k) for k in keys})),
        dropped=st.lists(st.sampled_from(names or ["x"]), max_size=2),
        extra=st.dictionaries(st.sampled_from(["zz", "id", "version", "next"]), NASTY, max_size=1),
    )
    def post(spoiled, dropped, extra):
        nonlocal token
        data = {k: v for k, v in fields.items() if k not in dropped}
        data.update(extra)
        data.update(spoiled)
        resp = client.post(url, data={**data, csrf_name: token})
        assert resp.status_code < 500, (url, data)
        if resp.status_code == 302 and resp.headers["Location"].startswith("/login"):
            token = sign_in()  # the post ended the session (deactivated, password changed)

    post()
    # Then each field alone with the values that broke its kind before: deterministic, so the
    # known failure modes are tried on every form whatever the random examples drew.
    # (Only for a form found on a page: a fallback post of every field name is fuzzed at random.)
    for name in names if found is not None else []:
        for value in killers_for(name):
            post.hypothesis.inner_test(spoiled={name: value}, dropped=[], extra={})


def test_the_fuzz_covers_every_form_field():
    """The fallback list is complete: each form class's fields are in it."""
    names = form_fields()
    assert {"people", "occurred_at", "submission_key", "nickname", "issue_id"} <= names
    assert not [n for n in names if re.search(r"\s", n)]


QUERY_IDS = [
    "person",
    "people",
    "assignment",
    "complete",
    "campaign",
    "holder",
    "assignee",
    "committee",
    "position_issue",
    "issue",
    "bill",
    "parent",
    "page",
    "weeks",
    "stale_days",
    "not_contacted_days",
    "tag",
    "list",
    "org",
]
GETS = [(e, r) for e, r, m in ROUTES if m == "GET"]


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "²"])
def test_query_string_ids_never_error(value, client, auth, sample, admin):  # noqa: F811
    """Every GET route of the url_map, with every id filter the app reads set to what no column
    holds, and text filters with NUL: a page (the filter ignored), never a 500."""
    auth.login(admin.email)
    # Text filters too: NUL (PostgreSQL refuses it in a query) and a long unicode string.
    text = {"q": "a\x00b", "party": "\ufdfa" * 60, "state": "\x00", "next": "\x00"}
    query = urlencode({**dict.fromkeys(QUERY_IDS, value), **text})
    for endpoint, rule in GETS:
        if endpoint == "auth.logout":
            continue
        url = f"{route_url(endpoint, rule, sample)}?{query}"
        assert client.get(url).status_code < 500, url

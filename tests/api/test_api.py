"""The JSON API in process: tokens (scope, expiry, revocation, hashing), sessions refused,
problem details, ETag and If-Match, cursors, the quick log's rules, and the audit of writes."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.api import tokens
from crm.clock import utcnow
from crm.models import ApiToken, AuditEntry, Interaction
from tests.factories import InteractionFactory, PersonFactory, UserFactory
from tests.helpers import free_port, own_redis_url

PROBLEM = "application/problem+json"


def make_token(user, scopes=("read",), days=30):
    token, secret = tokens.create_token(user, "script", list(scopes), days, utcnow())
    return token, {"Authorization": f"Bearer {secret}"}


def test_a_token_is_stored_only_as_its_digest(db, member):
    token, headers = make_token(member)
    secret = headers["Authorization"].split()[1]
    row = db.session.get(ApiToken, token.id)
    assert row.token_hash == ApiToken.digest(secret) and len(row.token_hash) == 64
    stored = db.session.execute(sa.text("select * from api_tokens")).all()
    assert secret not in repr(stored)
    assert secret.startswith(row.hint)


def test_sessions_never_authenticate_the_api(client, as_member):
    resp = client.get("/api/v1/people")
    assert resp.status_code == 401
    assert resp.mimetype == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.get_json()["status"] == 401


def test_read_token_reads_but_cannot_write(client, member):
    person = PersonFactory()
    _, headers = make_token(member, ("read",))
    resp = client.get("/api/v1/people", headers=headers)
    assert resp.status_code == 200
    assert [p["id"] for p in resp.get_json()["items"]] == [person.id]
    resp = client.post("/api/v1/interactions", json={"people": [person.id]}, headers=headers)
    assert resp.status_code == 403 and resp.mimetype == PROBLEM


def test_expired_and_revoked_tokens_are_refused(client, db, member):
    token, headers = make_token(member, days=7)
    assert client.get("/api/v1/issues", headers=headers).status_code == 200
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/issues", headers=headers).status_code == 401
    token2, headers2 = make_token(member)
    tokens.revoke_token(member, token2.id, utcnow())
    assert client.get("/api/v1/issues", headers=headers2).status_code == 401


def test_a_deactivated_users_token_stops_working(client, db, admin):
    user = UserFactory(email="leaver@example.org")
    _, headers = make_token(user)
    from crm.auth.services import set_active

    set_active(admin, user, False, utcnow())
    assert client.get("/api/v1/issues", headers=headers).status_code == 401


def test_only_the_owner_or_an_admin_revokes(db, member, coordinator):
    token, _ = make_token(member)
    from crm.errors import NotAllowed

    with pytest.raises(NotAllowed):
        tokens.revoke_token(coordinator, token.id, utcnow())


def test_errors_are_problem_details(client, member):
    _, headers = make_token(member)
    for method, url, status in [
        ("get", "/api/v1/people/999999", 404),
        ("get", "/api/v1/nowhere", 404),
        ("delete", "/api/v1/people", 405),
        ("get", "/api/v1/people?limit=0", 422),
        ("get", "/api/v1/people?cursor=nonsense!", 422),
    ]:
        resp = getattr(client, method)(url, headers=headers)
        assert resp.status_code == status, url
        assert resp.mimetype == PROBLEM, url
        assert resp.get_json()["status"] == status


def test_a_body_too_large_is_a_413_problem(app, client, member):
    _, headers = make_token(member, ("read", "write"))
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = client.post(
        "/api/v1/interactions",
        data=b"{" + b" " * (limit + 10) + b"}",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and resp.mimetype == PROBLEM


def test_cursor_pages_walk_the_whole_list_once(client, member):
    ids = sorted(PersonFactory().id for _ in range(7))
    _, headers = make_token(member)
    seen, cursor = [], None
    while True:
        url = "/api/v1/people?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_people_filters_are_the_directorys(client, member):
    tx = PersonFactory(state="TX")
    PersonFactory(state="CA")
    _, headers = make_token(member)
    body = client.get("/api/v1/people?state=TX", headers=headers).get_json()
    assert [p["id"] for p in body["items"]] == [tx.id]


def test_logging_a_contact_is_the_quick_log(client, db, member):
    person = PersonFactory()
    _, headers = make_token(member, ("read", "write"))
    payload = {"people": [person.id], "subject": "Conrad 30 visit", "kind": "call"}
    resp = client.post(
        "/api/v1/interactions", json=payload, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["source"] == "api" and body["logged_by_id"] == member.id
    assert body["members"] == [member.id]
    again = client.post(
        "/api/v1/interactions", json=payload, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert again.get_json()["id"] == body["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 1
    db.session.expire_all()
    assert person.last_contacted_at is not None
    # The quick log's rule: no contact in the future.
    future = (utcnow() + timedelta(days=2)).isoformat()
    resp = client.post(
        "/api/v1/interactions", json={"people": [person.id], "occurred_at": future}, headers=headers
    )
    assert resp.status_code == 422 and "occurred_at" in resp.get_json()["errors"]["json"]


def test_etag_and_if_match_guard_edits(client, db, coordinator):
    person = PersonFactory(last_name="Old")
    _, headers = make_token(coordinator, ("read", "write"))
    resp = client.get(f"/api/v1/people/{person.id}", headers=headers)
    etag = resp.headers["ETag"]
    url = f"/api/v1/people/{person.id}"
    assert client.patch(url, json={"title": "Chief"}, headers=headers).status_code == 428
    ok = client.patch(url, json={"title": "Chief"}, headers={**headers, "If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["title"] == "Chief"
    assert ok.get_json()["last_name"] == "Old"
    stale = client.patch(url, json={"title": "Again"}, headers={**headers, "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM


def test_members_cannot_edit_people_through_the_api(client, member):
    person = PersonFactory()
    _, headers = make_token(member, ("read", "write"))
    etag = client.get(f"/api/v1/people/{person.id}", headers=headers).headers["ETag"]
    resp = client.patch(
        f"/api/v1/people/{person.id}", json={"title": "X"}, headers={**headers, "If-Match": etag}
    )
    assert resp.status_code == 403


def test_assignments_created_and_completed(client, coordinator, member):
    person = PersonFactory()
    _, headers = make_token(coordinator, ("read", "write"))
    resp = client.post(
        "/api/v1/assignments",
        json={"title": "Call the office", "assignee_id": member.id, "person_id": person.id},
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    a = resp.get_json()
    url = f"/api/v1/assignments/{a['id']}"
    etag = client.get(url, headers=headers).headers["ETag"]
    done = client.patch(url, json={"status": "done"}, headers={**headers, "If-Match": etag})
    assert done.status_code == 200 and done.get_json()["status"] == "done"


def test_every_write_call_is_audited_with_its_token(client, db, member):
    person = PersonFactory()
    token, headers = make_token(member, ("read", "write"))
    client.post("/api/v1/interactions", json={"people": [person.id]}, headers=headers)
    rows = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.entity_type == "api_tokens", AuditEntry.action == "api_call"
        )
    ).all()
    assert [(r.entity_id, r.actor_id, r.after["method"], r.after["status"]) for r in rows] == [
        (token.id, member.id, "POST", 201)
    ]
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_private_contacts_stay_hidden_from_outsiders_tokens(client, member, coordinator):
    person = PersonFactory()
    InteractionFactory(logged_by=coordinator, people=[person], private=True, subject="Secret")
    _, headers = make_token(member)
    assert client.get("/api/v1/interactions", headers=headers).get_json()["items"] == []
    _, boss = make_token(coordinator)
    assert len(client.get("/api/v1/interactions", headers=boss).get_json()["items"]) == 1


def test_rate_limit_per_token_is_a_429_problem(member):
    from crm import create_app

    app = create_app("testing", API_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        _, headers = make_token(member)
        _, other = make_token(member)
        c = app.test_client()
        codes = [c.get("/api/v1/issues", headers=headers).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        resp = c.get("/api/v1/issues", headers=headers)
        assert resp.mimetype == PROBLEM and resp.get_json()["status"] == 429
        assert c.get("/api/v1/issues", headers=other).status_code == 200


def redis_or_skip(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1 (CRM_TEST_REDIS_URL)")
    return client


def test_rate_limit_counts_in_redis(member):
    """The counters live in Redis (shared by every gunicorn worker), keyed by the token's
    digest, never by the token itself."""
    from crm import create_app

    url = own_redis_url()
    redis_client = redis_or_skip(url)
    for key in redis_client.scan_iter("*crm-api*"):
        redis_client.delete(key)
    app = create_app("testing", API_RATE_LIMIT="2/minute", RATELIMIT_STORAGE_URI=url)
    with app.app_context():
        _, headers = make_token(member)
        c = app.test_client()
        # One budget per token across the API (not per endpoint).
        codes = [c.get(u, headers=headers).status_code for u in ("/api/v1/issues", "/api/v1/bills")]
        codes.append(c.get("/api/v1/people", headers=headers).status_code)
        assert codes == [200, 200, 429]
        keys = [k.decode() for k in redis_client.scan_iter("*crm-api*")]
        assert keys and all("token:" in k for k in keys), keys
        secret = headers["Authorization"].split()[1]
        assert not any(secret in k for k in keys)


def test_rate_limit_falls_back_to_memory_when_redis_is_down(member, caplog):
    """Redis down (nothing listens on the port): calls still answer, still limited, and the
    fallback is logged."""
    from crm import create_app

    down = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app("testing", API_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI=down)
    with app.app_context(), caplog.at_level(logging.WARNING):
        _, headers = make_token(member)
        c = app.test_client()
        codes = [c.get("/api/v1/issues", headers=headers).status_code for _ in range(5)]
        assert not [code for code in codes if code >= 500], codes
        assert codes[:3] == [200, 200, 200] and 429 in codes, codes
    assert any("falling back" in r.getMessage().lower() for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]


def test_the_audit_page_names_the_token_in_words(client, auth, admin, member):
    person = PersonFactory()
    _, headers = make_token(member, ("read", "write"))
    client.post("/api/v1/interactions", json={"people": [person.id]}, headers=headers)
    auth.login(admin.email)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "called the API with" in page and "script" in page
    assert "made" in page

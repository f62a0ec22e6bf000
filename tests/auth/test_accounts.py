"""Accounts (S5, S8, S10): throttling that cannot be turned against users, the client address
behind trusted proxies, password change and reset, session lifetimes, TOTP and recovery codes."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from crm.auth import services
from crm.auth.services import SignInRefused, authenticate
from crm.clock import utcnow
from crm.models import AuditEntry, DevMail, RecoveryCode, User, UserSession
from tests.conftest import AuthActions
from tests.factories import PASSWORD

# ---- throttling ----


def attempt(email, password, ip, now):
    """One sign-in through the service; the refusal message, or "ok"."""
    try:
        authenticate(email, password, ip=ip, user_agent="test", now=now)
    except SignInRefused as e:
        return e.message
    return "ok"


@pytest.fixture
def count_checks(monkeypatch):
    """How many times a password was actually verified."""
    calls = []
    real = services.verify_password

    def counting(user, password):
        calls.append(password)
        return real(user, password)

    monkeypatch.setattr(services, "verify_password", counting)
    return calls


def test_parallel_wrong_guesses_never_exceed_the_account_limit(app, db, member, count_checks):
    """20 guesses at once, in 20 threads with their own sessions: at most the limit is checked."""
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    now, email = utcnow(), member.email
    results: list[str] = []
    barrier = threading.Barrier(20)

    def guess(n):
        with app.app_context():
            barrier.wait()
            results.append(attempt(email, f"wrong {n}", f"10.0.0.{n}", now))
            db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 20
    assert len(count_checks) <= limit, count_checks
    assert sum(r.startswith("Wrong email or password") for r in results) <= limit
    assert (
        sum(r.startswith("Too many failed sign-ins for this account") for r in results)
        >= 20 - limit
    )
    # Even the right password waits for the window: the limit is per account.
    assert attempt(member.email, PASSWORD, "10.9.9.9", now).startswith("Too many")
    later = now + timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW"] + 1)
    assert attempt(member.email, PASSWORD, "10.9.9.9", later) == "ok"


@pytest.mark.browser
def test_parallel_guesses_at_the_served_app_never_exceed_the_account_limit(app, served_app, member):
    """The same through HTTP on gunicorn (two worker processes): each thread has its own cookie
    and CSRF token; each "Wrong email or password" answer is one password check."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    limit, email, n = app.config["LOGIN_MAX_FAILURES_ACCOUNT"], member.email, 16
    openers = []
    for _ in range(n):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = opener.open(served_app.url("/login")).read().decode()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        openers.append((opener, token))
    bodies: list[str] = []
    barrier = threading.Barrier(n)

    def guess(k, opener, token):
        data = urllib.parse.urlencode(
            {"email": email, "password": f"wrong {k}", "csrf_token": token}
        ).encode()
        barrier.wait()
        with opener.open(served_app.url("/login"), data=data, timeout=60) as resp:
            assert resp.status == 200
            bodies.append(resp.read().decode())

    threads = [threading.Thread(target=guess, args=(k, *o)) for k, o in enumerate(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert len(bodies) == n, served_app.log()
    checked = sum("Wrong email or password" in b for b in bodies)
    paused = sum("Too many failed sign-ins for this account" in b for b in bodies)
    assert checked <= limit and checked + paused == n, (checked, paused)


def test_a_locked_address_does_not_refuse_another_addresss_correct_password(app, member):
    now = utcnow()
    for n in range(app.config["LOGIN_MAX_FAILURES_IP"] + 5):
        attempt(f"guess{n}@example.org", "wrong", "203.0.113.9", now)
    assert attempt("guess@example.org", "wrong", "203.0.113.9", now).startswith(
        "Too many failed sign-ins from your network"
    )
    assert attempt(member.email, PASSWORD, "198.51.100.7", now) == "ok"


def test_a_slowed_address_still_gets_in_with_the_right_password(app, member):
    """Over its limit an address is slowed down (a wait that doubles), never locked out."""
    now = utcnow()
    ip = "203.0.113.10"
    for n in range(app.config["LOGIN_MAX_FAILURES_IP"]):
        attempt(f"guess{n}@example.org", "wrong", ip, now)
    assert attempt("guess@example.org", "wrong", ip, now).startswith("Wrong email")  # one slot
    message = attempt(member.email, PASSWORD, ip, now)  # refused until the delay has passed
    wait = int(re.search(r"Wait (\d+) seconds", message).group(1))
    assert wait >= app.config["LOGIN_ADDRESS_DELAY"]
    assert attempt(member.email, PASSWORD, ip, now + timedelta(seconds=wait)) == "ok"


def test_an_address_over_its_limit_cannot_lock_accounts(app, member):
    now = utcnow()
    ip = "203.0.113.11"
    for n in range(app.config["LOGIN_MAX_FAILURES_IP"]):
        attempt(f"guess{n}@example.org", "wrong", ip, now)
    # Now it guesses at one account, waiting out each delay: the account is not locked.
    at = now
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"] + 3):
        at += timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW"])
        attempt(member.email, "wrong", ip, at - timedelta(seconds=1))
    assert attempt(member.email, PASSWORD, "198.51.100.8", at) == "ok"


def test_throttling_works_without_redis(app, member, monkeypatch):
    """The counters live in the database: a dead Redis changes nothing."""
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    now = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        attempt(member.email, "wrong", "10.1.1.1", now)
    assert attempt(member.email, PASSWORD, "10.1.1.2", now).startswith("Too many")


def test_messages_say_what_happens_next(app, client, auth, member):
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    bodies = [auth.login(member.email, "wrong").get_data(as_text=True) for _ in range(limit)]
    assert "One more failure will pause sign-in to this account for 15 minutes" in bodies[-2]
    assert "Sign-in to this account is now paused for 15 minutes" in bodies[-1]
    locked = auth.login(member.email).get_data(as_text=True)
    assert "Try again in 15 minutes, or reset your password" in locked


# ---- the client address behind trusted proxies ----


@pytest.fixture
def proxied_app(database_url):
    """A second app on the same database, configured for two reverse proxies."""
    from crm import create_app

    return create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXIES=2)


def sign_in_from(app, email, environ, headers):
    with app.app_context():
        client = app.test_client()
        client.environ_base.update(environ)
        auth = AuthActions(client)
        token = auth.csrf()
        resp = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers=headers,
        )
        assert resp.status_code == 302
        from crm.extensions import db

        ip = db.session.scalars(
            sa.select(UserSession.ip).order_by(UserSession.id.desc()).limit(1)
        ).one()
        db.session.remove()
        return ip


def test_behind_two_trusted_proxies_the_client_is_the_one_the_last_trusted_proxy_saw(
    proxied_app, member
):
    # client 198.51.100.20 -> proxy 10.0.0.1 -> proxy 10.0.0.2 -> app; the client also sent a
    # forged X-Forwarded-For, which the first proxy kept and appended to.
    headers = {"X-Forwarded-For": "6.6.6.6, 198.51.100.20, 10.0.0.1", "X-Forwarded-Proto": "https"}
    ip = sign_in_from(proxied_app, member.email, {"REMOTE_ADDR": "10.0.0.2"}, headers)
    assert ip == "198.51.100.20"


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, member):
    headers = {"X-Forwarded-For": "6.6.6.6"}
    assert sign_in_from(app, member.email, {"REMOTE_ADDR": "192.0.2.5"}, headers) == "192.0.2.5"


def test_behind_proxies_each_client_has_its_own_throttle(proxied_app, app, member):
    """Forty failures from one client behind the proxy leave another client's sign-in alone."""
    with proxied_app.app_context():
        client = proxied_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        auth = AuthActions(client)
        token = auth.csrf()
        for n in range(app.config["LOGIN_MAX_FAILURES_IP"] + 5):
            client.post(
                "/login",
                data={"email": f"g{n}@example.org", "password": "x", "csrf_token": token},
                headers={"X-Forwarded-For": "203.0.113.66, 10.0.0.1"},
            )
    ip = sign_in_from(
        proxied_app,
        member.email,
        {"REMOTE_ADDR": "10.0.0.2"},
        {"X-Forwarded-For": "198.51.100.21, 10.0.0.1"},
    )
    assert ip == "198.51.100.21"


@pytest.fixture(scope="module")
def served_behind_two_proxies(app, database_url, tmp_path_factory):
    """gunicorn started with CRM_TRUSTED_PROXIES=2, as behind a load balancer and nginx."""
    from tests.serving import ServedApp

    server = ServedApp(
        database_url, tmp_path_factory.mktemp("proxied"), workers=1, CRM_TRUSTED_PROXIES="2"
    )
    try:
        server.start()
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.mark.browser
def test_served_behind_two_proxies_sessions_and_throttles_use_the_client_address(
    app, db, served_behind_two_proxies, member
):
    import http.cookiejar
    import urllib.parse
    import urllib.request

    served = served_behind_two_proxies

    def post_login(client_ip, password, email="member@example.org"):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        # A forged first entry, then what the two proxies appended (client, first proxy).
        headers = {"X-Forwarded-For": f"6.6.6.6, {client_ip}, 10.0.0.1"}
        page = opener.open(urllib.request.Request(served.url("/login"), headers=headers))
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.read().decode()).group(1)
        data = urllib.parse.urlencode(
            {"email": email, "password": password, "csrf_token": token}
        ).encode()
        with opener.open(urllib.request.Request(served.url("/login"), data, headers)) as resp:
            return resp.geturl(), resp.read().decode()

    for n in range(app.config["LOGIN_MAX_FAILURES_IP"] + 2):
        post_login("203.0.113.50", "wrong", f"guess{n}@example.org")
    url, body = post_login("198.51.100.30", PASSWORD)  # another client: signed in at once
    assert url == served.url("/"), body
    db.session.commit()
    assert db.session.scalars(sa.select(UserSession.ip)).all() == ["198.51.100.30"]
    _, body = post_login("203.0.113.50", "wrong", "guess@example.org")
    assert "from your network" in body  # the guessing client is slowed down, alone


# ---- password change ----


def other_client(app, email):
    client = app.test_client()
    AuthActions(client).login(email)
    assert client.get("/").status_code == 200
    return client


def test_change_password_ends_my_other_sessions(app, client, auth, member, db):
    elsewhere = other_client(app, member.email)
    auth.login(member.email)
    resp = auth.post(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert resp.status_code == 302
    assert "1 other session ended" in client.get("/settings/sessions").get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302  # signed out there
    assert client.get("/").status_code == 200  # still signed in here
    auth.logout()
    assert auth.login(member.email).status_code == 200  # the old password is gone
    assert auth.login(member.email, "a brand new passphrase").status_code == 302


def test_change_password_needs_the_current_one(client, auth, member):
    auth.login(member.email)
    resp = auth.post(
        "/settings/password",
        {"current_password": "not it", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert resp.status_code == 422
    assert "That is not your current password." in resp.get_data(as_text=True)
    resp = auth.post(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "1234567890", "confirm": "1234567890"},
    )
    assert resp.status_code == 422 and "too easy to guess" in resp.get_data(as_text=True)


# ---- password reset ----


def reset_link_path(app, db, email) -> str:
    mail = db.session.scalars(
        sa.select(DevMail).where(DevMail.to_email == email).order_by(DevMail.id.desc())
    ).first()
    assert mail is not None, "no reset email"
    link = next(line for line in mail.text_body.splitlines() if "/password/reset/" in line)
    return link.strip().replace(app.config["BASE_URL"], "")


def test_reset_by_email_is_single_use_and_ends_every_session(app, client, auth, member, db):
    elsewhere = other_client(app, member.email)
    token = auth.csrf()
    resp = client.post("/password/forgot", data={"email": member.email, "csrf_token": token})
    assert "If an account exists for" in resp.get_data(as_text=True)
    path = reset_link_path(app, db, member.email)
    assert client.get(path).status_code == 200
    new = {"password": "reset passphrase ok", "confirm": "reset passphrase ok", "csrf_token": token}
    resp = client.post(path, data=new)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?email=member")
    login_page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'value="member@example.org"' in login_page  # the email is filled in
    assert elsewhere.get("/").status_code == 302
    again = client.get(path)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert client.post(path, data=new).status_code == 400
    assert auth.login(member.email, "reset passphrase ok").status_code == 302


def test_reset_link_expires(app, db, member):
    now = utcnow()
    link = services.reset_link(member, now)
    token = link.rsplit("/", 1)[1]
    assert services.read_reset_token(token, now).id == member.id
    late = now + timedelta(seconds=app.config["PASSWORD_RESET_MAX_AGE"] + 1)
    with pytest.raises(services.DomainError, match="expired"):
        services.read_reset_token(token, late)
    with pytest.raises(services.DomainError, match="not valid"):
        services.read_reset_token(token[:-2] + "xx", now)


def test_reset_answers_the_same_whether_or_not_the_account_exists(client, auth, member, db):
    token = auth.csrf()
    known = client.post("/password/forgot", data={"email": member.email, "csrf_token": token})
    unknown = client.post("/password/forgot", data={"email": "no@example.org", "csrf_token": token})
    assert known.status_code == unknown.status_code == 200

    def strip(resp):
        text = resp.get_data(as_text=True).replace(member.email, "X").replace("no@example.org", "X")
        return re.sub(r'name="csrf-token" content="[^"]+"', "", text)

    assert strip(known) == strip(unknown)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevMail)) == 1


def test_reset_requests_are_throttled(app, db, member):
    now = utcnow()
    for n in range(app.config["PASSWORD_RESET_PER_HOUR"] + 3):
        services.request_password_reset(member.email, ip="10.2.2.2", now=now + timedelta(seconds=n))
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(DevMail))
    assert sent == app.config["PASSWORD_RESET_PER_HOUR"]


def test_an_admin_sends_a_reset_link(app, client, auth, admin, member, db):
    auth.login(admin.email)
    resp = auth.post(f"/admin/users/{member.id}/send-reset")
    assert resp.status_code == 302
    assert "reset link was sent" in client.get("/admin/users").get_data(as_text=True)
    mail = db.session.scalars(sa.select(DevMail)).one()
    assert mail.to_email == member.email and admin.name in mail.text_body
    assert reset_link_path(app, db, member.email).startswith("/password/reset/")
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "send_password_reset")
    )


# ---- session lifetimes and the list of my sessions ----


def test_idle_sessions_end_with_an_explicit_clock(app, db, member):
    now = utcnow()
    session = services.open_session(member, ip="1.2.3.4", user_agent="t", now=now)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    user, ended = services.load_session(session.token, now + idle - timedelta(seconds=1))
    assert user.id == member.id and ended is None  # and last seen moves on
    user, ended = services.load_session(session.token, now + 2 * idle - timedelta(seconds=2))
    assert user is not None
    user, ended = services.load_session(session.token, now + 3 * idle)
    assert user is None and ended == "idle"
    assert services.load_session(session.token, now)[0] is None  # revoked on the server


def test_sessions_end_at_their_absolute_lifetime(app, db, member):
    now = utcnow()
    session = services.open_session(member, ip="1.2.3.4", user_agent="t", now=now)
    limit = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    at = now
    while at + timedelta(minutes=30) < now + limit:  # in use every half hour
        at += timedelta(minutes=30)
        assert services.load_session(session.token, at)[0] is not None
    user, ended = services.load_session(session.token, now + limit)
    assert user is None and ended == "expired"


def test_an_idle_session_sends_the_browser_to_sign_in_with_a_reason(client, auth, member, db):
    auth.login(member.email)
    db.session.execute(
        sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=500), created_at=utcnow() - timedelta(hours=9)
        )
    )
    resp = client.get("/people/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "signed out after 120 minutes without activity" in page


def test_my_sessions_and_sign_out_everywhere_else(app, client, auth, member):
    elsewhere = app.test_client()
    elsewhere.environ_base.update(
        {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "Mozilla/5.0 (iPhone) Safari/604.1"}
    )
    AuthActions(elsewhere).login(member.email)
    auth.login(member.email)
    page = client.get("/settings/sessions").get_data(as_text=True)
    assert "Safari on iPhone" in page and "192.0.2.44" in page and "This device" in page
    resp = auth.post("/settings/sessions/end-others")
    assert resp.status_code == 302
    assert elsewhere.get("/").status_code == 302
    page = client.get("/settings/sessions").get_data(as_text=True)
    assert "192.0.2.44" not in page and "on this device only" in page


# ---- TOTP two-factor and recovery codes ----


def enrol(auth, client) -> tuple[str, list[str]]:
    page = client.get("/settings/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    resp = auth.post("/settings/two-factor", {"code": "000000"})
    assert resp.status_code == 422 and "does not match" in resp.get_data(as_text=True)
    resp = auth.post("/settings/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", resp.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def sign_in_with_code(client, auth, email, code):
    resp = auth.login(email)
    assert resp.status_code == 302 and resp.headers["Location"] == "/login/two-factor"
    assert client.get("/").status_code == 302  # not signed in yet
    return client.post("/login/two-factor", data={"code": code, "csrf_token": auth.csrf()})


def test_totp_enrolment_and_sign_in(client, auth, member, db):
    import time

    auth.login(member.email)
    secret, _ = enrol(auth, client)
    stored = db.session.get(User, member.id)
    assert stored.has_two_factor and stored.totp_secret == secret
    auth.logout()
    resp = sign_in_with_code(client, auth, member.email, "123456")
    assert resp.status_code == 422 and "not right" in resp.get_data(as_text=True)
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the enrolment code is spent
    resp = client.post("/login/two-factor", data={"code": code, "csrf_token": auth.csrf()})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    auth.logout()
    resp = sign_in_with_code(client, auth, member.email, code)  # the same code again
    assert resp.status_code == 422 and "already used" in resp.get_data(as_text=True)


def test_a_recovery_code_works_once(client, auth, member, db):
    auth.login(member.email)
    _, codes = enrol(auth, client)
    assert db.session.scalar(sa.select(RecoveryCode.code_hash).limit(1)) not in codes  # hashed
    auth.logout()
    resp = sign_in_with_code(client, auth, member.email, codes[0].upper())
    assert resp.status_code == 302 and client.get("/").status_code == 200
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "<strong>9</strong> unused recovery codes" in page
    auth.logout()
    resp = sign_in_with_code(client, auth, member.email, codes[0])
    assert resp.status_code == 422
    assert sign_in_with_code(client, auth, member.email, codes[1]).status_code == 302


def test_wrong_codes_are_throttled(app, db, member):
    member.totp_secret = pyotp.random_base32()
    member.totp_enabled_at = utcnow()
    db.session.commit()
    now = utcnow()
    messages = []
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"] + 1):
        try:
            services.complete_two_factor(member.id, "000000", ip="1.1.1.1", user_agent="t", now=now)
        except SignInRefused as e:
            messages.append(e.message)
    assert messages[-1].startswith("Too many wrong codes")
    right = pyotp.TOTP(member.totp_secret).at(now)
    with pytest.raises(SignInRefused, match="Too many"):
        services.complete_two_factor(member.id, right, ip="1.1.1.1", user_agent="t", now=now)


def test_required_two_factor_sends_coordinators_to_enrol_first(
    app, client, auth, coordinator, member, monkeypatch
):
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR", "coordinator")
    auth.login(coordinator.email)
    resp = client.get("/people/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/settings/two-factor"
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "needs two-factor sign-in" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    code = pyotp.TOTP(secret).now()
    auth.post("/settings/two-factor", {"code": code, "csrf_token": token})
    assert client.get("/people/").status_code == 200
    resp = auth.post("/settings/two-factor/disable", {"password": PASSWORD})
    assert "cannot be turned off" in client.get(resp.headers["Location"]).get_data(as_text=True)
    auth.logout()
    auth.login(member.email)  # members are not asked
    assert client.get("/people/").status_code == 200


def test_turning_two_factor_off_needs_the_password(client, auth, member, db):
    auth.login(member.email)
    enrol(auth, client)
    auth.post("/settings/two-factor/disable", {"password": "wrong one"})
    assert db.session.get(User, member.id).has_two_factor
    auth.post("/settings/two-factor/disable", {"password": PASSWORD})
    assert not db.session.get(User, member.id).has_two_factor
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_login_page_fills_the_email_it_is_given(client):
    page = client.get("/login?email=someone%40example.org").get_data(as_text=True)
    assert 'value="someone@example.org"' in page


def test_require_2fa_setting_is_checked(monkeypatch):
    from config import ConfigError, load_config

    monkeypatch.setenv("CRM_REQUIRE_2FA_FOR", "coordinators")
    with pytest.raises(ConfigError, match="CRM_REQUIRE_2FA_FOR"):
        load_config("testing")
    monkeypatch.setenv("CRM_REQUIRE_2FA_FOR", "Coordinator")
    assert load_config("testing").REQUIRE_2FA_FOR == "coordinator"


NASTY = ["", "\x00", "x" * 5000, "<script>alert(1)</script>", "\r\nBcc: x@example.org", "9" * 40]


@pytest.mark.parametrize("value", NASTY)
def test_account_forms_never_error(value, client, auth, member):
    """Whatever is typed into the new forms, the answer is a page, never a 500."""
    token = auth.csrf()
    for url, fields in [
        ("/login", ["email", "password"]),
        ("/password/forgot", ["email"]),
        ("/password/reset/x", ["password", "confirm"]),
    ]:
        resp = client.post(url, data={**dict.fromkeys(fields, value), "csrf_token": token})
        assert resp.status_code < 500, url
    auth.login(member.email)
    for url, fields in [
        ("/settings/password", ["current_password", "new_password", "confirm"]),
        ("/settings/two-factor", ["code"]),
        ("/settings/two-factor/disable", ["password"]),
    ]:
        resp = auth.post(url, dict.fromkeys(fields, value))
        assert resp.status_code < 500, url


def test_required_two_factor_covers_every_route(app, client, auth, coordinator, monkeypatch):
    """Built from the url_map: until enrolled, a coordinator reaches only the enrolment page and
    sign-out; every other signed-in GET route sends them to enrol."""
    from crm.authz import ENROLMENT_ATTR, required_role
    from tests.test_access import API_ENDPOINTS, ROUTES

    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR", "coordinator")
    auth.login(coordinator.email)
    checked = 0
    for endpoint, rule, method in ROUTES:
        view = app.view_functions[endpoint]
        with app.test_request_context():
            role = required_role(endpoint)
        if method != "GET" or role in (None, "admin") or getattr(view, ENROLMENT_ATTR, False):
            continue  # public pages, pages a coordinator may not see anyway, the enrolment page
        if endpoint in API_ENDPOINTS:
            continue  # tokens, never sessions (401 whatever the session's two-factor state)
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule)
        resp = client.get(url)
        assert resp.status_code == 302, (url, resp.status_code)
        assert resp.headers["Location"] == "/settings/two-factor", url
        checked += 1
    assert checked > 30

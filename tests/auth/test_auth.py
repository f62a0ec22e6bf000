"""Signing in and out, throttling, deactivation, invitations, the create-user command."""

from datetime import timedelta

import sqlalchemy as sa

from crm.clock import utcnow
from crm.models import DevMail, User, UserSession
from tests.factories import PASSWORD, UserFactory


def test_sign_in_and_land_on_dashboard(client, auth, member):
    resp = auth.login(member.email)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "Hello, Mia" in client.get("/").get_data(as_text=True)


def test_email_is_case_insensitive(client, auth, member):
    resp = auth.login("MEMBER@Example.org")
    assert resp.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, member):
    resp = auth.login(member.email, "not the password")
    assert resp.status_code == 200
    assert "Wrong email or password." in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_account_gets_the_same_message(auth):
    resp = auth.login("nobody@example.org")
    assert "Wrong email or password." in resp.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(auth):
    user = UserFactory(email="gone@example.org", is_active=False)
    resp = auth.login(user.email)
    assert "deactivated" in resp.get_data(as_text=True)


def test_next_is_followed_only_within_the_site(auth, member):
    assert auth.login(member.email, next="/people/").headers["Location"] == "/people/"


def test_unsafe_next_goes_to_dashboard(client, auth, member):
    for target in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ]:
        resp = auth.login(member.email, next=target)
        assert resp.headers["Location"] == "/", target
        auth.logout()


def test_anonymous_is_sent_to_sign_in_with_next(client):
    resp = client.get("/people/?state=TX")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=/people/")


def test_throttling_per_account(app, client, auth, member):
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    for _ in range(limit):
        auth.login(member.email, "wrong password")
    resp = auth.login(member.email)  # even the right password is refused for now
    assert "Too many failed sign-ins" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_address_over_its_limit_is_slowed_down_not_locked_out(app, client, auth):
    """Past its limit an address gets one check at a time: the right password still works."""
    limit = app.config["LOGIN_MAX_FAILURES_IP"]
    for n in range(limit):
        auth.login(f"guess{n}@example.org", "wrong password")
    user = UserFactory(email="fresh@example.org")
    assert auth.login(user.email).status_code == 302  # the next slot is free: signed in
    auth.logout()
    refused = auth.login("guess@example.org", "wrong password").get_data(as_text=True)
    assert "Wait" in refused and "from your network" in refused


def test_throttle_window_expires(app, db, member):
    from crm.auth.services import SignInRefused, authenticate

    now = utcnow()
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        try:
            authenticate(member.email, "bad", ip="1.1.1.1", user_agent="t", now=now)
        except SignInRefused:
            pass
    later = now + timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW"] + 1)
    result = authenticate(member.email, PASSWORD, ip="1.1.1.1", user_agent="t", now=later)
    assert result.session.user_id == member.id


def test_logout_invalidates_a_copied_cookie(app, client, auth, member):
    auth.login(member.email)
    cookie = client.get_cookie("crm_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("crm_session", cookie)
    assert thief.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(app, client, auth, member, admin):
    auth.login(member.email)
    assert client.get("/").status_code == 200
    admin_client = app.test_client()
    from tests.conftest import AuthActions

    admin_auth = AuthActions(admin_client)
    admin_auth.login(admin.email)
    resp = admin_auth.post(f"/admin/users/{member.id}/deactivate")
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def test_each_sign_in_gets_a_new_session(db, auth, member):
    auth.login(member.email)
    auth.logout()
    auth.login(member.email)
    tokens = db.session.scalars(
        sa.select(UserSession.token).where(UserSession.user_id == member.id)
    ).all()
    assert len(set(tokens)) == 2


def test_session_cookie_flags(client, auth, member):
    resp = auth.login(member.email)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_argon2id(db, member):
    assert member.password_hash.startswith("$argon2id$")


def test_invitation_flow(app, client, auth, admin, db):
    auth.login(admin.email)
    resp = auth.post(
        "/admin/users",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "role": "coordinator",
            "home_state": "TN",
        },
    )
    assert resp.status_code == 302
    mail = db.session.scalars(sa.select(DevMail)).one()
    assert mail.to_email == "new.person@example.org"
    link = next(line for line in mail.text_body.splitlines() if "/invitation/" in line).strip()
    path = link.replace(app.config["BASE_URL"], "")
    auth.logout()
    page = client.get(path)
    assert "Welcome, New Person" in page.get_data(as_text=True)
    token = auth.csrf()
    resp = client.post(
        path,
        data={
            "password": "short",
            "confirm": "short",
            "timezone": "America/Chicago",
            "csrf_token": token,
        },
    )
    assert "at least 10" in resp.get_data(as_text=True)
    resp = client.post(
        path,
        data={
            "password": "a long enough secret",
            "confirm": "a long enough secret",
            "timezone": "America/Chicago",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert (
        user.role == "coordinator"
        and user.home_state == "TN"
        and user.timezone == "America/Chicago"
    )
    assert resp.headers["Location"] == "/"
    assert "Your account is ready" in client.get("/").get_data(as_text=True)  # signed in at once
    auth.logout()
    assert client.get(path).status_code == 400  # used once
    assert auth.login("new.person@example.org", "a long enough secret").status_code == 302


def test_tampered_or_expired_invitation_is_refused(app, client, admin):
    from crm.auth.services import invitation_serializer

    assert client.get("/invitation/not-a-token").status_code == 400
    token = invitation_serializer().dumps(
        {"email": "x@example.org", "name": "X", "role": "member", "by": admin.id}
    )
    app.config["INVITATION_MAX_AGE"] = -1
    try:
        resp = client.get(f"/invitation/{token}")
    finally:
        app.config["INVITATION_MAX_AGE"] = 7 * 24 * 3600
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)


def test_create_user_command(runner, db):
    result = runner.invoke(
        args=[
            "crm",
            "create-user",
            "--email",
            "Cli@Example.org",
            "--name",
            "Cli User",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a strong passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "cli@example.org"))
    assert user.role == "admin"
    again = runner.invoke(
        args=[
            "crm",
            "create-user",
            "--email",
            "cli@example.org",
            "--name",
            "X",
            "--password-stdin",
        ],
        input="a strong passphrase\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(
        args=["crm", "create-user", "--email", "w@example.org", "--name", "W", "--password-stdin"],
        input="short\n",
    )
    assert weak.exit_code != 0 and "at least 10" in weak.output

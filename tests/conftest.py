"""Fixtures: the app on SQLite (default) or PostgreSQL (CRM_TEST_DATABASE_URL), a client, users.

Tables are created once per session and emptied after every test, so tests can commit, run a
live server thread, or start a real worker against the same database. Under pytest-xdist every
worker has a database (and a Redis database) of its own: see tests/helpers.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.factories import PASSWORD, UserFactory
from tests.helpers import LONG_LIVED_CONTEXTS, QueryCounter, own_database_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def database_url():
    return own_database_url()


class RequestClient(FlaskClient):
    """Each request gets its own app context (fresh `g` and database session), as in production.

    The test's own session is committed before and expired after each request, so the test sees
    what the request wrote.
    """

    def open(self, *args, **kwargs):
        from crm.extensions import db

        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url):
    from crm import create_app
    from crm.extensions import db

    os.environ["CRM_DATABASE_URL"] = database_url  # subprocesses (worker, CLI) inherit it
    options = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # Tests need no durability: skipping the wait for each commit's fsync makes them 3x faster.
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=database_url, SQLALCHEMY_ENGINE_OPTIONS=options
    )
    app.test_client_class = RequestClient
    with app.app_context():
        if db.engine.dialect.name == "sqlite":

            @sa.event.listens_for(db.engine, "connect")
            def no_fsync(dbapi_connection, record):
                dbapi_connection.execute("PRAGMA synchronous=OFF")

        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_tables(db, keep: tuple[str, ...] = ()) -> None:
    """DELETE in dependency order, one transaction: much faster than TRUNCATE for small tables
    (and TRUNCATE ... CASCADE would empty kept tables too). On PostgreSQL the DELETEs go as one
    string, one round trip instead of one per table."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in keep]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            preparer = conn.dialect.identifier_preparer
            conn.exec_driver_sql(
                "".join(f"DELETE FROM {preparer.format_table(t)};" for t in tables)
            )
            return
        for table in tables:
            conn.execute(table.delete())


@pytest.fixture(autouse=True)
def close_browser_contexts(request):
    """Close the browser contexts a test opened and left open (`browser.new_context()` in a
    test lives until the session's browser closes: its pages, their renderers and timers
    would pile up over the run)."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    yield
    for context in browser.contexts:
        if context not in before and context not in LONG_LIVED_CONTEXTS:
            context.close()


@pytest.fixture(autouse=True)
def app_context(app, request):
    """Each test runs in an app context and leaves the database empty, except the tables a
    module marks `keep_tables(...)`: data it loads once (module fixture) and only reads."""
    from crm.extensions import db

    marker = request.node.get_closest_marker("keep_tables")
    # Tasks (shared_task) run in the app of the current Celery app, which the last create_app()
    # set: a test that made an app of its own must not leave the next test's tasks in it.
    app.extensions["celery"].set_current()
    with app.app_context():
        yield
        db.session.remove()
        empty_tables(db, keep=marker.args if marker else ())
        # The API's rate counters are per address for calls without a token: every test's
        # client is 127.0.0.1, so without this one test's calls count against the next one's.
        app.extensions["api_limiter"].reset()


@pytest.fixture
def db():
    from crm.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class AuthActions:
    """Sign in and post forms as a browser would (with the page's CSRF token)."""

    def __init__(self, client):
        self.client = client

    def csrf(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD, next: str | None = None):
        url = "/login" + (f"?next={next}" if next else "")
        return self.client.post(
            url, data={"email": email, "password": password, "csrf_token": self.csrf()}
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token()})

    def token(self) -> str:
        page = self.client.get("/settings/").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "not signed in"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        if "csrf_token" not in data:  # setdefault would fetch a token even when one is given
            data["csrf_token"] = self.token()
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def member():
    return UserFactory(email="member@example.org", name="Mia Member", role="member")


@pytest.fixture
def coordinator():
    return UserFactory(email="coord@example.org", name="Cora Coordinator", role="coordinator")


@pytest.fixture
def admin():
    return UserFactory(email="admin@example.org", name="Ada Admin", role="admin")


@pytest.fixture
def as_member(auth, member):
    auth.login(member.email)
    return member


@pytest.fixture
def as_coordinator(auth, coordinator):
    auth.login(coordinator.email)
    return coordinator


@pytest.fixture
def as_admin(auth, admin):
    auth.login(admin.email)
    return admin


# ---- a live server and a headless browser ----

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


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 from a thread, for the browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright drives Debian's Chromium; Playwright never downloads a browser here."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {path}")
        pytest.skip(f"Chromium is missing at {path}")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where browser tests save screenshots: SCREENSHOT_DIR (docs/screenshots) or a temp dir."""
    target = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def count_queries(db):
    """Count statements per request, to catch N+1 queries:

    with count_queries() as q:
        client.get("/people/")
    assert q.count <= 8, q
    """
    return lambda: QueryCounter(db.engine)


# ---- the app served by gunicorn (tests/serving.py) ----


@pytest.fixture(scope="session")
def served_app(app, database_url, tmp_path_factory):
    """The app under gunicorn on 127.0.0.1 against the test database, for the whole session."""
    from tests.serving import ServedApp

    server = ServedApp(database_url, tmp_path_factory.mktemp("served"))
    try:
        server.start()
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing served-app test shows what gunicorn logged while it ran."""
    outcome = yield
    report = outcome.get_result()
    served = getattr(item, "funcargs", {}).get("served_app")
    if served is None:
        return
    if report.when == "setup":
        item.stash[SERVED_MARK] = served.mark()
    elif report.failed:
        start = item.stash.get(SERVED_MARK, 0)
        with open(served.log_path, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        report.sections.append(("served app log", text[-12000:]))


SERVED_MARK = pytest.StashKey[int]()

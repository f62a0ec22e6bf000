"""Reliability with the real parts: Redis, Celery worker and beat subprocesses, an aiosmtpd sink.

J1: workers SIGKILLed mid-run: no duplicate, nothing lost (doubtful sends are "unknown").
J3: two beat processes for a simulated month: digests = recipients x weeks, exactly.
J4: Redis down while members log contacts and get assignments: no HTTP error; all delivered once.
J5: SMTP 451 then 250 is delivered after a backoff; 550 gets exactly one attempt.
Each prints its figures (run pytest with -s, or see the report).
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crm.jobs import BREAKER_SECONDS
from crm.models import JobRun, Notification, ReminderLog, User
from tests.helpers import wait_until
from tests.jobs.conftest import bulk_users, make_assignment, worker_env

# The reliability runs load the machine (worker pools, 1,000 reminders, a month of beats): under
# xdist they run one after another on one worker, beside the rest of the suite on the others.
pytestmark = [pytest.mark.services, pytest.mark.xdist_group("reliability")]


def count_status(db) -> Counter:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
    ).all()
    db.session.rollback()  # end the read transaction: the workers are writing
    return Counter(dict(rows))


# ---------- J5 ----------


def test_j5_smtp_4xx_is_retried_with_backoff_and_5xx_is_not(
    app, db, database_url, clean_redis, smtp_sink, celery_factory, monkeypatch
):
    from crm.email import queue_email

    monkeypatch.setitem(app.config, "OUTBOX_GRACE", 0)  # no enqueue from here: the sweep sends
    smtp_sink.script = {
        "busy@example.org": ["451 4.3.0 mailbox busy, try later"],
        "gone@example.org": ["550 5.1.1 no such mailbox"] * 5,
    }
    for to in ("busy@example.org", "gone@example.org"):
        queue_email(
            to_email=to,
            kind="test",
            subject_key="j5",
            occurrence="1",
            template="test",
            subject="J5",
            context={"message": "J5", "sent_at": "-"},
        )
    db.session.commit()

    celery = celery_factory(
        worker_env(database_url, clean_redis, smtp_sink.port, mail_retry_base=1.5)
    )
    celery.worker()
    celery.beat()
    wait_until(lambda: count_status(db) == Counter(sent=1, failed=1), 60, "both rows to settle")
    time.sleep(3)  # two more backoff periods: a 5xx must not be tried again

    rows = {r.to_email: r for r in db.session.scalars(sa.select(Notification))}
    tries = {
        to: [t for t, code, rcpt in smtp_sink.attempts if rcpt == to]
        for to in ("busy@example.org", "gone@example.org")
    }
    busy, gone = rows["busy@example.org"], rows["gone@example.org"]
    gap = tries["busy@example.org"][1] - tries["busy@example.org"][0]
    print(
        f"\nJ5: 451-then-250 delivered after {busy.attempts} attempts (retry gap {gap:.1f} s, "
        f"backoff base 1.5 s); 550 attempts {len(tries['gone@example.org'])}, "
        f"status {gone.status}"
    )
    assert (busy.status, busy.attempts) == ("sent", 2)
    assert [m["To"] for m in smtp_sink.messages] == ["busy@example.org"]
    assert gap >= 1.5
    assert (gone.status, gone.attempts, len(tries["gone@example.org"])) == ("failed", 1, 1)
    assert gone.last_error.startswith("550")


# ---------- J1 ----------


def test_j1_reminders_survive_workers_killed_mid_run(
    app, db, database_url, clean_redis, smtp_sink, celery_factory
):
    """Two prefork workers; SIGKILL pool children (the message is requeued) and whole workers
    with their children (the message stays unacknowledged; the outbox sweep resends the rows
    that never started), while 1,000 reminders go out."""
    total = 1000
    plan = ["child", "worker", "child", "child", "worker", "child"]
    today = datetime.now(ZoneInfo("America/New_York")).date()
    ids = bulk_users(total, prefix="j1-")
    stamp = datetime.now(ZoneInfo("UTC"))
    db.session.execute(
        sa.insert(ReminderLog.__table__.metadata.tables["assignments"]),
        [
            {
                "assignee_id": uid,
                "title": f"Follow-up {uid}",
                "due_on": today,
                "status": "open",
                "priority": "normal",
                "source": "manual",
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for uid in ids
        ],
    )
    db.session.commit()
    smtp_sink.delay = 0.01  # widen the window in which a kill lands mid-send

    celery = celery_factory(
        worker_env(
            database_url,
            clean_redis,
            smtp_sink.port,
            reminders_every=3,
            outbox_grace=10,
            outbox_renudge=20,
        )
    )
    workers = [celery.worker(pool="prefork"), celery.worker(pool="prefork")]
    celery.beat()
    rng = random.Random(20260309)
    kills, started = [], time.monotonic()
    wait_until(lambda: count_status(db)["sent"] > 0, 90, "the first reminder to go out")
    while plan and time.monotonic() - started < 150:
        time.sleep(rng.uniform(0.5, 1.2))
        counts = count_status(db)
        if counts["sent"] + counts["failed"] + counts["unknown"] >= total:
            break
        ready = [n for n, w in enumerate(workers) if celery.is_ready(w)]
        if plan[0] == "worker" and len(ready) < len(workers):
            continue  # keep one worker sending while the other restarts
        if not ready:
            continue
        victim = rng.choice(ready)
        if plan[0] == "child":
            if celery.kill_child(workers[victim], rng) is None:
                continue
        else:
            celery.kill(workers[victim])
            workers[victim] = celery.worker(pool="prefork", wait=False)
        kills.append((plan.pop(0), round(time.monotonic() - started, 1), counts["sent"]))

    def settled():
        c = count_status(db)
        return c["sent"] + c["failed"] + c["unknown"] == total and c

    final = wait_until(settled, 180, "all 1,000 reminders to settle", every=1)
    elapsed = time.monotonic() - started
    at_sink = smtp_sink.by_header("To")
    rows = {r.to_email: r.status for r in db.session.scalars(sa.select(Notification))}
    unknown = [to for to, s in rows.items() if s == "unknown"]
    expected = {f"j1-{i}@example.org" for i in range(total)}
    lost = [to for to in expected if to not in at_sink and rows.get(to) != "unknown"]
    duplicates = {to: n for to, n in at_sink.items() if n > 1}
    by_message_id = smtp_sink.by_header("Message-ID")
    print(
        f"\nJ1: {total} due reminders; SIGKILLs (what, at s, sent so far): {kills}; settled "
        f"in {elapsed:.0f} s. At the sink: {sum(at_sink.values())} messages, "
        f"{len(duplicates)} duplicates. Ledger: {dict(final)}; unknown {len(unknown)} "
        f"({sum(1 for to in unknown if to in at_sink)} of them reached the sink); lost "
        f"{len(lost)}."
    )
    assert len(kills) >= 5, f"the run ended after only {len(kills)} kills: {kills}"
    assert all(0 < sent < total for _, _, sent in kills)  # every kill was mid-run
    assert duplicates == {} and max(by_message_id.values()) == 1
    assert lost == []
    assert final["failed"] == 0
    assert set(rows) == expected  # one ledger row per recipient
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == total
    assert len(unknown) <= len(kills)  # at most one message in flight per kill


# ---------- J3 ----------

J3_USERS = [  # (time zone, weekday, hour): Monday to Thursday, so each week fits the month
    ("America/New_York", 0, 7),
    ("America/Los_Angeles", 0, 7),
    ("Asia/Kolkata", 0, 7),
    ("America/Chicago", 1, 9),
    ("Europe/London", 2, 8),
    ("Pacific/Honolulu", 3, 23),
    ("Australia/Sydney", 0, 6),
    ("America/Denver", 3, 0),
    ("Asia/Kathmandu", 2, 7),
    ("America/Phoenix", 1, 18),
    ("Europe/Berlin", 0, 7),
    ("America/New_York", 3, 17),
]


def test_j3_two_beats_for_a_month_send_each_digest_exactly_once(
    app, db, database_url, clean_redis, smtp_sink, celery_factory, tmp_path
):
    clock_file = tmp_path / "clock"

    def set_clock(moment: datetime) -> None:  # atomically: the workers read it all the time
        (tmp_path / "clock.new").write_text(moment.isoformat())
        (tmp_path / "clock.new").replace(clock_file)

    start, end, step = (
        datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 3, 28, tzinfo=ZoneInfo("UTC")),
        timedelta(hours=12),
    )
    set_clock(start)
    for n, (zone, weekday, hour) in enumerate(J3_USERS):
        user = User(
            email=f"j3-{n}@example.org",
            name=f"Digest Reader {n}",
            timezone=zone,
            digest_weekday=weekday,
            digest_hour=hour,
            reminders_enabled=False,
        )
        db.session.add(user)
        db.session.flush()
        make_assignment(user, due_on=date(2026, 2, 1), title="Long overdue")  # never empty

    env = worker_env(
        database_url,
        clean_redis,
        smtp_sink.port,
        digests_every=0.5,
        reminders_every=3600,
        digest_catch_up_hours=24,
        test_clock_file=clock_file,
    )
    celery = celery_factory(env, app_module="tests.jobs.clocked_celery")
    celery.worker(), celery.worker()
    beats = [celery.beat(), celery.beat()]

    def dispatched_at_or_after(moment):
        db.session.expire_all()
        run = db.session.get(JobRun, "crm.digests.dispatch")
        db.session.rollback()
        return (
            run is not None and run.last_success_at is not None and (run.last_success_at >= moment)
        )

    began = time.monotonic()
    now = start
    while now <= end:
        set_clock(now)
        wait_until(
            lambda moment=now: dispatched_at_or_after(moment),
            30,
            f"a digest run at simulated {now:%Y-%m-%d %H:%M}",
            every=0.1,
        )
        now += step
    weeks = ["2026-W10", "2026-W11", "2026-W12", "2026-W13"]
    expected = len(J3_USERS) * len(weeks)
    wait_until(
        lambda: count_status(db)["sent"] == expected and len(smtp_sink.messages) >= expected,
        60,
        "the digests to be delivered",
    )
    time.sleep(1.5)  # anything extra would arrive now

    rows = db.session.execute(
        sa.select(Notification.to_email, Notification.occurrence).where(
            Notification.kind == "digest"
        )
    ).all()
    per_key = Counter(rows)
    at_sink = Counter(m["To"] for m in smtp_sink.messages)
    sends = [
        celery.log_of(b).read_text().count("Sending due task crm.digests.dispatch") for b in beats
    ]
    runs = re.findall(
        r"crm\.digests\.dispatch\[.*'queued': (\d+), 'sent': 0, 'skipped': (\d+)",
        "".join(celery.log_of(p).read_text() for p, _, _ in celery.procs),
    )
    queued, skipped = (sum(int(r[i]) for r in runs) for i in (0, 1))
    print(
        f"\nJ3: {len(J3_USERS)} recipients x {len(weeks)} weeks = {expected}; simulated "
        f"{(end - start).days} days in {time.monotonic() - began:.0f} s with 2 beats "
        f"(dispatch runs sent by each: {sends}) and 2 workers; {len(runs)} dispatch runs "
        f"queued {queued} and skipped {skipped} already queued; ledger rows {len(rows)}, "
        f"messages at the sink {len(smtp_sink.messages)}."
    )
    assert all(n > 10 for n in sends)  # both beats really were scheduling the job
    assert queued == expected and skipped > 0  # the duplicates were there, and refused
    assert len(smtp_sink.messages) == expected
    assert set(per_key.values()) == {1} and {w for _, w in rows} == set(weeks)
    assert set(at_sink.values()) == {len(weeks)}


# ---------- J4 ----------


class Browser:
    """A tiny HTTP client with cookies, for the live server (real sockets, real requests)."""

    def __init__(self, base: str):
        import http.cookiejar
        import urllib.request

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        import urllib.error
        import urllib.parse

        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.monotonic()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as resp:
                status, text = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        return status, text, time.monotonic() - started

    def csrf(self, path: str) -> str:
        from tests.conftest import CSRF_RE

        return CSRF_RE.search(self.request(path)[1]).group(1)

    def login(self, email: str) -> None:
        from tests.factories import PASSWORD

        status, _, _ = self.request(
            "/login", {"email": email, "password": PASSWORD, "csrf_token": self.csrf("/login")}
        )
        assert status == 302


class NoRedirect(__import__("urllib.request").request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_j4_redis_down_while_members_log_contacts(
    app, db, database_url, redis_server, smtp_sink, celery_factory, monkeypatch
):
    import threading

    from werkzeug.serving import make_server

    from crm import create_app
    from crm.models import Person
    from tests.factories import UserFactory

    member = UserFactory(email="j4-member@example.org", name="Jo Member")
    admin = UserFactory(email="j4-admin@example.org", name="Al Admin", role="admin")
    db.session.execute(
        sa.insert(Person),
        [
            {
                "kind": "legislator",
                "first_name": "Pat",
                "last_name": f"Office{i}",
                "full_name": f"Pat Office{i}",
                "sort_name": f"office{i}, pat",
                "search_name": f"pat office{i}",
                "in_office": True,
                "tier": "unknown",
                "version": 1,
                "social": {},
                "external_ids": {},
                "source": "web",
            }
            for i in range(200)
        ],
    )
    db.session.commit()
    people = list(db.session.scalars(sa.select(Person.id).order_by(Person.id)))

    # The web app as deployed: jobs go to the broker (this Redis), with the usual timeouts.
    monkeypatch.setenv("CRM_REDIS_URL", redis_server.url)
    monkeypatch.setenv("CRM_JOBS_MODE", "celery")
    web = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    attempts = []  # connections the web app opens to the broker
    broker = web.extensions["celery"]
    connect = broker.connection_for_write
    monkeypatch.setattr(
        broker,
        "connection_for_write",
        lambda *a, **k: attempts.append(time.monotonic()) or connect(*a, **k),
    )
    server = make_server("127.0.0.1", 0, web, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    celery = celery_factory(worker_env(database_url, redis_server.url, smtp_sink.port))
    celery.worker()
    celery.beat()
    try:
        members, admins = Browser(base), Browser(base)
        members.login(member.email)
        admins.login(admin.email)

        token, admin_token = members.csrf("/log"), admins.csrf("/assignments/new")
        redis_server.stop()  # the broker goes away
        down_at = time.monotonic()
        statuses, latencies = Counter(), []
        due = (date.today() + timedelta(days=30)).isoformat()
        for n, person_id in enumerate(people):
            # A member logs a contact; the coordinator gives the follow-up to the member (the
            # assignments feature queues a notice for the assignee in the same commit).
            for browser, path, form in (
                (
                    members,
                    "/log",
                    {
                        "people": person_id,
                        "occurred_at": "2026-03-09T10:00",
                        "kind": "meeting",
                        "subject": f"Visit {n}",
                        "csrf_token": token,
                    },
                ),
                (
                    admins,
                    "/assignments/new",
                    {
                        "people": person_id,
                        "title": f"Follow up {n}",
                        "assignee_id": member.id,
                        "due_on": due,
                        "priority": "normal",
                        "acknowledge": "y",
                        "csrf_token": admin_token,
                    },
                ),
            ):
                status, _, took = browser.request(path, form)
                statuses[status] += 1
                latencies.append(took)
        for n in range(20):  # invitations: an HTTP request that enqueues while Redis is down
            status, _, took = admins.request(
                "/admin/users",
                {
                    "email": f"invitee-{n}@example.org",
                    "name": f"Invitee {n}",
                    "role": "member",
                    "home_state": "",
                    "csrf_token": admin_token,
                },
            )
            statuses[status] += 1
            latencies.append(took)
        down_counts = count_status(db)
        tries_while_down = len(attempts)
        redis_server.start()  # the broker is back
        back_at = time.monotonic()

        expected = 220
        wait_until(
            lambda: count_status(db)["sent"] == expected,
            120,
            "every notification to be delivered after Redis returned",
            every=0.5,
        )
        delivered_in = time.monotonic() - back_at
        time.sleep(2)
    finally:
        server.shutdown()
    at_sink = Counter(m["Message-ID"] for m in smtp_sink.messages)
    kinds = Counter(db.session.scalars(sa.select(Notification.kind)))
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    errors = sum(n for s, n in statuses.items() if s >= 500)
    print(
        f"\nJ4: Redis down for {back_at - down_at:.0f} s, during {sum(statuses.values())} HTTP "
        f"requests (200 contacts logged, 200 assignments, 20 "
        f"invitations): statuses {dict(statuses)}, HTTP 5xx {errors}, "
        f"p99 latency {p99 * 1000:.0f} ms (max {latencies[-1] * 1000:.0f} ms); ledger while "
        f"down {dict(down_counts)} with {tries_while_down} broker connection attempts; "
        f"after Redis returned: {len(smtp_sink.messages)} delivered "
        f"within {delivered_in:.0f} s ({dict(kinds)}), duplicates "
        f"{sum(1 for n in at_sink.values() if n > 1)}."
    )
    assert errors == 0 and statuses == Counter({302: 420})
    assert kinds == Counter(assignment=200, invitation=20)
    assert down_counts == Counter(pending=expected)
    assert len(smtp_sink.messages) == expected and set(at_sink.values()) == {1}
    # No request waits on the dead broker: one attempt, then none until the breaker reopens.
    assert tries_while_down <= 1 + (back_at - down_at) // BREAKER_SECONDS

"""The email ledger: one row per occurrence, SMTP retries and refusals, the outbox sweep, the
admin status page, heartbeats, /readyz and the commands."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import sqlalchemy as sa

from crm.clock import utcnow
from crm.email import dispatch, queue_email
from crm.email.delivery import deliver_notification
from crm.email.outbox import sweep_outbox
from crm.heartbeat import PERIODIC_JOBS, run_job
from crm.models import DevMail, JobRun, Notification
from tests.jobs.conftest import make_assignment


def queue(db, to="someone@example.org", occurrence="1", now=None) -> Notification | None:
    """Queue and dispatch one email, as a service does (inline mode sends it at once)."""
    row = queue_email(
        to_email=to,
        kind="test",
        subject_key="test",
        occurrence=occurrence,
        template="test",
        subject="Test",
        context={"message": "hi", "sent_at": "-"},
        now=now,
    )
    db.session.commit()
    dispatch([row])
    return row


def statuses(db) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.status).order_by(Notification.id)))


def test_the_same_occurrence_is_queued_once(db):
    assert queue(db) is not None
    assert queue(db) is None
    assert queue(db, occurrence="2") is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2


def test_concurrent_queueing_of_one_occurrence_makes_one_row(app, db):
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(queue(db, to="race@example.org") is not None)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and sorted(results) == [False] * 7 + [True]


def test_dev_mailbox_keeps_the_message_exactly_once(db):
    row = queue(db)  # inline mode delivers at once
    assert statuses(db) == ["sent"]
    assert deliver_notification(row.id) == "skipped"
    [mail] = db.session.scalars(sa.select(DevMail)).all()
    assert mail.headers["Message-ID"].startswith(f"<crm-n{row.id}.")


def test_smtp_451_then_250_is_retried_with_backoff_and_delivered(smtp_app, smtp_sink, db):
    smtp_sink.replies = ["451 4.3.0 try again later", "451 4.3.0 still busy"]
    now = utcnow()
    row = queue(db, now=now)  # attempt 1: 451
    db.session.refresh(row)
    base = smtp_app.config["MAIL_RETRY_BASE"]
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    assert row.next_attempt_at >= now + timedelta(seconds=base)
    assert sweep_outbox(now + timedelta(seconds=base / 2)).nudged == 0  # not yet
    sweep_outbox(row.next_attempt_at)  # attempt 2: 451 again, twice the delay
    db.session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at >= now + timedelta(seconds=2 * base)
    sweep_outbox(row.next_attempt_at)  # attempt 3: accepted
    db.session.refresh(row)
    assert row.status == "sent" and row.attempts == 3
    assert [code for _, code, _ in smtp_sink.attempts] == ["451", "451", "250"]
    assert len(smtp_sink.messages) == 1


def test_smtp_550_is_recorded_as_failed_after_one_attempt(smtp_app, smtp_sink, db):
    smtp_sink.always = "550 5.1.1 no such mailbox"
    now = utcnow()
    row = queue(db, now=now)
    for minutes in (5, 60, 600):
        sweep_outbox(now + timedelta(minutes=minutes))
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("failed", 1) and row.last_error.startswith("550")
    assert len(smtp_sink.attempts) == 1 and smtp_sink.messages == []


def test_unreachable_server_is_transient_until_the_attempts_run_out(smtp_app, db, monkeypatch):
    from tests.helpers import free_port

    monkeypatch.setitem(smtp_app.config, "MAIL_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(smtp_app.config, "MAIL_MAX_ATTEMPTS", 3)
    now = utcnow()
    row = queue(db, now=now)
    for hours in (1, 2, 3, 4):
        sweep_outbox(now + timedelta(hours=hours))
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("failed", 3)


def test_a_send_cut_short_becomes_unknown_and_is_not_resent(app, db):
    from crm.email.delivery import claim

    now = utcnow()
    row = queue_email(
        to_email="x@example.org",
        kind="test",
        subject_key="t",
        occurrence="1",
        template="test",
        subject="T",
        context={"message": "", "sent_at": ""},
        now=now,
    )
    db.session.commit()
    claim(row.id, now)  # a worker claimed it, then died before recording the outcome
    stale = app.config["SENDING_STALE_AFTER"]
    assert sweep_outbox(now + timedelta(seconds=stale / 2)).unknown == 0
    assert sweep_outbox(now + timedelta(seconds=stale + 1)).unknown == 1
    sweep_outbox(now + timedelta(days=1))
    assert statuses(db) == ["unknown"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevMail)) == 0


def test_rows_the_broker_never_got_are_sent_by_the_sweep(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
    monkeypatch.setitem(app.config, "BROKER_CONNECT_TIMEOUT", 0.5)
    from celery import Celery

    from tests.helpers import free_port

    dead = Celery("dead", broker=f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.extensions, "celery", dead)
    monkeypatch.setitem(app.extensions, "crm_jobs", {"down_until": 0.0})
    now = utcnow()
    queue(db, now=now)
    assert statuses(db) == ["pending"]
    monkeypatch.setitem(app.config, "JOBS_MODE", "inline")  # the broker is back
    # The broker refused it, so the next sweep takes it without waiting for the grace period.
    assert sweep_outbox(now + timedelta(seconds=1)).nudged == 1
    assert statuses(db) == ["sent"]


def test_rows_handed_to_the_broker_get_a_grace_period_before_the_sweep(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
    monkeypatch.setattr("crm.jobs.enqueue_many", lambda name, arglist: len(arglist))
    now = utcnow()
    queue(db, now=now)  # the broker took it: its own task will send it
    assert sweep_outbox(now + timedelta(seconds=10)).nudged == 0
    monkeypatch.undo()  # back to inline mode
    # ...unless that task was lost (a worker killed holding it): then the sweep sends it.
    assert sweep_outbox(now + timedelta(seconds=app.config["OUTBOX_GRACE"] + 1)).nudged == 1
    assert statuses(db) == ["sent"]


def test_web_request_succeeds_while_the_broker_is_down(app, client, auth, admin, db, monkeypatch):
    """An invitation enqueues an email: with the broker down the page still works."""
    from celery import Celery

    from tests.helpers import free_port

    monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
    monkeypatch.setitem(
        app.extensions, "celery", Celery("dead", broker=f"redis://127.0.0.1:{free_port()}/0")
    )
    monkeypatch.setitem(app.extensions, "crm_jobs", {"down_until": 0.0})
    auth.login(admin.email)
    resp = auth.post(
        "/admin/users",
        {"email": "new@example.org", "name": "New Person", "role": "member", "home_state": ""},
    )
    assert resp.status_code == 302
    assert statuses(db) == ["pending"]


def test_a_broker_that_never_answers_cannot_hold_a_request(app, monkeypatch):
    """A hung broker (it accepts the connection, then says nothing) costs one short timeout,
    then nothing for a while (the breaker); without the read timeout this call never returns."""
    import socket
    import threading

    from celery import Celery

    from crm import jobs

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    silent.setblocking(False)
    port = silent.getsockname()[1]
    monkeypatch.setitem(app.config, "JOBS_MODE", "celery")
    monkeypatch.setitem(
        app.extensions, "celery", Celery("hung", broker=f"redis://127.0.0.1:{port}/0")
    )
    monkeypatch.setitem(app.extensions, "crm_jobs", {"down_until": 0.0})
    results = []

    def call():
        with app.app_context():
            results.append([jobs.enqueue("crm.email.send", n) for n in range(5)])

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(30)  # a ceiling for "hangs", not a speed measure
    connections = 0
    while True:
        try:
            silent.accept()[0].close()
            connections += 1
        except BlockingIOError:
            break
    silent.close()
    assert not caller.is_alive() and results == [[False] * 5]
    assert connections == 1  # the other four calls did not even try


def test_admin_status_page_lists_jobs_and_problems_and_resends(app, client, auth, admin, db):
    now = utcnow()
    run_job("crm.email.sweep", now, lambda now: {"unknown": 0, "nudged": 0})
    bad = queue(db, to="bounce@example.org", occurrence="bad")
    bad.status, bad.last_error = "failed", "550 no such user"
    doubt = queue(db, to="doubt@example.org", occurrence="doubt")
    doubt.status = "unknown"
    db.session.commit()

    auth.login(admin.email)
    html = client.get("/admin/status").get_data(as_text=True)
    assert "crm.email.sweep" in html and "on time" in html and "never ran" in html
    assert "bounce@example.org" in html and "550 no such user" in html
    assert "doubt@example.org" in html

    assert auth.post(f"/admin/status/notifications/{bad.id}/resend").status_code == 302
    assert auth.post(f"/admin/status/notifications/{doubt.id}/delivered").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, bad.id).status == "sent"  # resent (inline mode)
    assert db.session.get(Notification, doubt.id).status == "sent"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevMail)) == 3


def test_status_page_is_for_admins(client, auth, coordinator):
    auth.login(coordinator.email)
    assert client.get("/admin/status").status_code == 403


def test_readyz_reports_a_job_that_has_not_run_on_time(app, client, db, monkeypatch):
    assert client.get("/readyz").status_code == 200  # tests do not expect a running beat
    run_job("crm.reminders.dispatch_due", utcnow() - timedelta(hours=3), lambda now: {})
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json["late_jobs"]["crm.reminders.dispatch_due"].startswith("late")
    run_job("crm.reminders.dispatch_due", utcnow(), lambda now: {})
    assert client.get("/readyz").status_code == 200


def test_readyz_in_a_deployment_expects_the_worker_and_beat(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_EXPECTED", True)
    resp = client.get("/readyz")  # nothing has ever run: no worker or no beat
    assert resp.status_code == 503 and set(resp.json["late_jobs"]) == set(PERIODIC_JOBS)
    run_job("crm.email.sweep", utcnow(), lambda now: {})  # they run; the digest's turn is later
    assert client.get("/readyz").status_code == 200


def test_a_failing_job_keeps_its_last_success_and_records_the_error(db):
    first = utcnow() - timedelta(minutes=5)
    run_job("crm.digests.dispatch", first, lambda now: {"queued": 1})

    def boom(now):
        raise RuntimeError("database went away")

    try:
        run_job("crm.digests.dispatch", utcnow(), boom)
    except RuntimeError:
        pass
    run = db.session.get(JobRun, "crm.digests.dispatch")
    assert run.last_success_at == first and "database went away" in run.last_error


def test_send_commands_print_a_json_summary_last(app, runner, db, member, monkeypatch):
    make_assignment(member, due_on=date(2026, 3, 9), title="Call the office")
    out = runner.invoke(args=["crm", "send-reminders", "--now", "2026-03-09T14:00:00", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output.strip().splitlines()[-1]) == {
        "queued": 1,
        "sent": 1,
        "skipped": 0,
        "failed": 0,
    }

    dry = runner.invoke(
        args=["crm", "send-digests", "--now", "2026-03-09T11:00:00", "--dry-run", "--json"]
    )
    assert json.loads(dry.output.strip().splitlines()[-1])["queued"] == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.kind == "digest")
        )
        == 0
    )
    real = runner.invoke(args=["crm", "send-digests", "--now", "2026-03-09T11:00:00", "--json"])
    assert json.loads(real.output.strip().splitlines()[-1])["sent"] == 1
    assert db.session.get(JobRun, "crm.digests.dispatch") is not None

    test = runner.invoke(args=["crm", "send-test-email", "ops@example.org", "--json"])
    assert json.loads(test.output.strip().splitlines()[-1])["sent"] == 1
    bad = runner.invoke(args=["crm", "send-test-email", "not an address"])
    assert bad.exit_code != 0


def test_send_test_email_reports_an_smtp_refusal(smtp_app, smtp_sink, runner):
    smtp_sink.always = "554 5.7.1 relay denied"
    out = runner.invoke(args=["crm", "send-test-email", "ops@example.org", "--json"])
    assert out.exit_code == 1
    assert '"failed": 1' in out.output and "554" in out.output


def test_heartbeat_times_only_move_forward(db):
    """Two runs finishing out of order (two workers) cannot set the last success back."""
    later, earlier = utcnow(), utcnow() - timedelta(minutes=10)
    run_job("crm.email.sweep", later, lambda now: {})
    run_job("crm.email.sweep", earlier, lambda now: {})
    db.session.expire_all()
    run = db.session.get(JobRun, "crm.email.sweep")
    assert run.last_success_at == later and run.last_started_at == later

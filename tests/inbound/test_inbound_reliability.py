"""The mailbox poll survives a worker killed mid-run: 500 messages in a real IMAP server
(dovecot), a real Celery worker and beat on a real Redis, the worker SIGKILLed twice while it
files them, then left to finish: every message filed once, none lost, none twice."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from crm.models import InboundMessage, Interaction, Notification
from tests.factories import PersonFactory, UserFactory
from tests.helpers import wait_until
from tests.inbound.conftest import MAILBOX_PASSWORD, MAILBOX_USER
from tests.inbound.messages import message
from tests.jobs.conftest import worker_env

pytestmark = [pytest.mark.services, pytest.mark.xdist_group("reliability")]

TOTAL = 500


def counts(db) -> tuple[int, int]:
    """(messages in the ledger, email contacts), read in a transaction of its own."""
    db.session.expire_all()
    ledger = db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage))
    contacts = db.session.scalar(
        sa.select(sa.func.count()).select_from(Interaction).where(Interaction.source == "email")
    )
    db.session.rollback()
    return ledger, contacts


def test_poll_survives_the_worker_killed_twice_mid_run(
    app, db, database_url, dovecot_server, clean_redis, smtp_sink, celery_factory
):
    dovecot_server.empty()
    UserFactory(email="ana.lee@example.org", name="Ana Lee")
    PersonFactory(first_name="Jane", last_name="Staffer", email="jane.staffer@senate.gov")
    db.session.commit()
    ids = [f"<reliability-{n}@mail.example.org>" for n in range(TOTAL)]
    # Every tenth from someone who is not a member: those go to the review queue.
    batch = [
        bytes(
            message(
                sender="stranger@elsewhere.example" if n % 10 == 9 else "ana.lee@example.org",
                to="jane.staffer@senate.gov",
                subject=f"Conrad 30, note {n}",
                text=f"Note number {n}.",
                message_id=mid,
            )
        )
        for n, mid in enumerate(ids)
    ]
    client = dovecot_server.client()
    try:
        client.multiappend("INBOX", batch)
    finally:
        client.logout()
    assert dovecot_server.unseen() == TOTAL

    celery = celery_factory(
        worker_env(
            database_url,
            clean_redis,
            smtp_sink.port,
            inbound_imap_host="127.0.0.1",
            inbound_imap_port=dovecot_server.port,
            inbound_imap_ssl="false",
            inbound_imap_user=MAILBOX_USER,
            inbound_imap_password=MAILBOX_PASSWORD,
            inbound_every=1,
            inbound_batch=TOTAL,
            reminders_every=3600,
        )
    )
    celery.beat()
    killed_at = []
    for threshold in (TOTAL // 5, TOTAL // 2):
        worker = celery.worker()
        wait_until(lambda t=threshold: counts(db)[0] >= t, 120, f"{threshold} messages filed")
        celery.kill(worker)  # SIGKILL, mid-run: the rest of its batch is not marked yet
        killed_at.append(counts(db)[0])
    assert all(n < TOTAL for n in killed_at), f"the runs ended before the kills: {killed_at}"

    celery.worker()
    wait_until(lambda: counts(db)[0] >= TOTAL, 180, "every message filed")
    wait_until(lambda: dovecot_server.unseen() == 0, 60, "every message marked seen")

    db.session.expire_all()
    rows = db.session.execute(
        sa.select(InboundMessage.message_id, InboundMessage.status, InboundMessage.interaction_id)
    ).all()
    statuses = Counter(status for _, status, _ in rows)
    filed_contacts = [i for _, status, i in rows if status == "filed"]
    lost = set(ids) - {mid for mid, _, _ in rows}
    ledger, contacts = counts(db)
    confirmations = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.kind == "inbound_filed")
    )
    print(
        f"\ninbound reliability: {TOTAL} messages, worker killed at {killed_at} filed; "
        f"ledger {ledger}, contacts {contacts}, {dict(statuses)}, lost {len(lost)}, "
        f"confirmations queued {confirmations}"
    )
    assert lost == set()
    assert ledger == TOTAL and statuses == {"filed": TOTAL * 9 // 10, "review": TOTAL // 10}
    assert contacts == len(set(filed_contacts)) == TOTAL * 9 // 10  # 0 duplicates
    assert confirmations == TOTAL * 9 // 10
    delivered = Counter(m["Message-ID"] for m in smtp_sink.messages)
    assert not [k for k, n in delivered.items() if n > 1], "a confirmation was sent twice"

"""Polling the coalition mailbox over IMAP (imapclient).

A run reads the unseen messages oldest first, without marking them (BODY.PEEK), files each one
(crm.inbound.services.ingest_message commits it with its Message-ID), and only then marks the
batch \\Seen (or moves it to CRM_INBOUND_IMAP_DONE_FOLDER). So a crash mid-run loses nothing
(unmarked messages are read again next run) and duplicates nothing (a message filed but not yet
marked is found in the ledger and only marked).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from crm.inbound.services import ingest_message, quarantine

log = logging.getLogger(__name__)
FETCH_CHUNK = 25


@dataclass
class PollSummary:
    """What one poll of the inbound mailbox did: messages fetched, filed, sent to review,
    duplicate or failed."""

    status: str = "ok"  # ok, not configured
    fetched: int = 0
    filed: int = 0
    review: int = 0
    duplicate: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        """The poll's counts as a dict, for the job's log and heartbeat."""
        return asdict(self)


def configured() -> bool:
    """Whether an inbound mailbox is set up (INBOUND_IMAP_HOST and INBOUND_IMAP_USER)."""
    cfg = current_app.config
    return bool(cfg.get("INBOUND_IMAP_HOST") and cfg.get("INBOUND_IMAP_USER"))


def connect():
    """A logged-in IMAPClient on the configured folder."""
    from imapclient import IMAPClient

    cfg = current_app.config
    client = IMAPClient(
        cfg["INBOUND_IMAP_HOST"],
        port=cfg["INBOUND_IMAP_PORT"],
        ssl=cfg["INBOUND_IMAP_SSL"],
        timeout=cfg["INBOUND_IMAP_TIMEOUT"],
    )
    try:
        client.login(cfg["INBOUND_IMAP_USER"], cfg["INBOUND_IMAP_PASSWORD"] or "")
        client.select_folder(cfg["INBOUND_IMAP_FOLDER"])
    except Exception:
        client.shutdown()
        raise
    return client


def poll_mailbox(now: datetime) -> PollSummary:
    """File the mailbox's unseen messages (at most INBOUND_BATCH a run); skipped, with status
    "not configured", when no IMAP host and user are set."""
    summary = PollSummary()
    if not configured():
        summary.status = "not configured"
        return summary
    cfg = current_app.config
    client = connect()
    try:
        uids = sorted(client.search(["UNSEEN"]))[: cfg["INBOUND_BATCH"]]
        done_folder = cfg.get("INBOUND_IMAP_DONE_FOLDER")
        if uids and done_folder and not client.folder_exists(done_folder):
            client.create_folder(done_folder)
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            handled = []
            for uid in chunk:
                raw = (fetched.get(uid) or {}).get(b"BODY[]")
                if raw is None:  # expunged meanwhile by another client
                    continue
                summary.fetched += 1
                try:
                    outcome = ingest_message(raw, now, "imap")
                except SQLAlchemyError:
                    raise  # the database, not the message: the run fails, the next one retries
                except Exception:
                    log.exception("could not file message uid %s; kept for review", uid)
                    outcome = quarantine(raw, now, "It could not be read.")
                    summary.failed += 1
                setattr(summary, outcome.status, getattr(summary, outcome.status, 0) + 1)
                handled.append(uid)
            # Only after every message of the chunk is committed.
            if done_folder:
                client.move(handled, done_folder)
            else:
                client.add_flags(handled, [b"\\Seen"])
    finally:
        try:
            client.logout()
        except Exception:  # the connection is gone already; nothing to tidy
            client.shutdown()
    return summary

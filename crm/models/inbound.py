"""Email on its way in: every message read from the coalition mailbox (or a file), once per
Message-ID, with what became of it (filed as a contact, waiting for review, linked, discarded)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.base import UTCDateTime

# filed: became an email interaction; review: waits for a coordinator; linked: a coordinator
# attached it to an existing interaction; discarded: a coordinator threw it away.
INBOUND_STATUSES = ("filed", "review", "linked", "discarded")


class InboundMessage(db.Model):
    """An email forwarded to the contact mailbox, filed once, or waiting for review."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The UNIQUE key that files each message once however often it is fetched: the Message-ID
    # header, or "sha256:<digest of the raw message>" for a message without one.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.String(200))  # why it waits for review
    source: Mapped[str] = mapped_column(sa.String(10), default="imap")  # imap, file
    sender: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    # Kept while the message waits for review (the coordinator files it from the original);
    # cleared once it is filed, linked or discarded.
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interactions.id"), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    interaction = relationship("Interaction")
    resolved_by = relationship("User")

    __table_args__ = (sa.Index("ix_inbound_messages_status", "status", "received_at"),)

    @classmethod
    def waiting(cls) -> sa.Select:
        """The review queue, oldest first."""
        return sa.select(cls).where(cls.status == "review").order_by(cls.received_at, cls.id)

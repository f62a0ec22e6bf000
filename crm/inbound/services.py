"""Contacts logged by email: a message forwarded or BCC'd to the coalition mailbox becomes an
email interaction through the quick log's own service, once per Message-ID.

The member is the sender (a user with that address); the people are everyone in the directory
the message names. A message from someone who is not a member, or naming nobody in the
directory, waits in a review queue for a coordinator, who files it (choosing the member and the
people), links it to a contact already logged, or discards it. People are never created here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from crm import audit
from crm.email import absolute_url, dispatch, queue_email
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.inbound.parse import MAX_NOTES, ParsedEmail, message_key, parse_message, tidy
from crm.interactions.services import InteractionData, check, record_interaction
from crm.models import InboundMessage, Interaction, Notification, Person, User


@dataclass
class Outcome:
    """What became of one message: filed, review, duplicate (already in the ledger)."""

    status: str
    message_id: str
    inbound_id: int | None = None
    interaction_id: int | None = None
    reason: str | None = None
    subject: str | None = None

    def as_dict(self) -> dict:
        """The outcome of handling one inbound email, as a dict."""
        return asdict(self)


@dataclass
class Match:
    """Whom an email names: the member who sent it, the people in the directory, the other
    members on it."""

    member: User | None
    people: list[Person]
    members_present: list[User] = field(default_factory=list)


def coalition_addresses() -> set[str]:
    """The mailbox's own addresses: named in every BCC'd message, never a person contacted."""
    cfg = current_app.config
    out = {a.strip().lower() for a in (cfg.get("INBOUND_ADDRESS") or "").split(",") if a.strip()}
    user = (cfg.get("INBOUND_IMAP_USER") or "").lower()
    if "@" in user:
        out.add(user)
    return out


def match(parsed: ParsedEmail) -> Match:
    """The member who sent it, the people it names and the other members on it (by address,
    case-insensitive; deleted people and inactive accounts do not count)."""
    addresses = [a for a in parsed.addresses if a not in coalition_addresses()]
    member = None
    if parsed.sender:
        member = db.session.scalar(
            sa.select(User).where(
                sa.func.lower(User.email) == parsed.sender, User.is_active.is_(True)
            )
        )
    others = [a for a in addresses if a != parsed.sender]
    if not others:
        return Match(member, [])
    users = list(
        db.session.scalars(
            sa.select(User).where(sa.func.lower(User.email).in_(others), User.is_active.is_(True))
        )
    )
    user_emails = {u.email.lower() for u in users}
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(
                sa.func.lower(Person.email).in_([a for a in others if a not in user_emails]),
                Person.deleted_at.is_(None),
            )
            .order_by(Person.id)
        )
    )
    return Match(member, people, users)


def interaction_data(
    parsed: ParsedEmail, people: list[int], members: list[int], now: datetime
) -> InteractionData:
    """The email contact to log for a message: its date (or now), subject, notes, people and
    members."""
    return InteractionData(
        people=people,
        occurred_at=parsed.occurred_at or now,
        kind="email",
        subject=parsed.subject,
        notes=parsed.notes,
        members=members,
        source="email",
    )


def ingest_message(raw: bytes, now: datetime, source: str = "imap") -> Outcome:
    """File one received message: as an email contact, or into the review queue. A message
    whose Message-ID is already in the ledger is a duplicate and changes nothing."""
    parsed = parse_message(raw, current_app.config["TIMEZONE"])
    existing = db.session.scalar(
        sa.select(InboundMessage).where(InboundMessage.message_id == parsed.message_id)
    )
    if existing is not None:
        return duplicate(existing)
    found = match(parsed)
    item = InboundMessage(
        message_id=parsed.message_id,
        source=source,
        sender=(parsed.sender or "")[:254] or None,
        subject=parsed.subject,
        received_at=now,
    )
    reason = None
    if found.member is None:
        reason = "The sender is not a member of the coalition."
    elif not found.people:
        reason = "Nobody it was sent to is in the directory."
    notices: list = []
    try:
        if reason is None:
            try:
                notices = file_as_contact(item, parsed, found, now)
            except DomainError as exc:  # e.g. a date in the future: a coordinator decides
                db.session.rollback()
                reason = f"Could not be filed: {exc.message}"
        if reason is not None:
            item.status, item.reason, item.raw = "review", reason[:200], raw
            db.session.add(item)
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another worker filed the same message at the same moment: its row won the key (at
        # a flush or at the commit).
        db.session.rollback()
        existing = db.session.scalar(
            sa.select(InboundMessage).where(InboundMessage.message_id == parsed.message_id)
        )
        if existing is None:
            raise
        return duplicate(existing)
    dispatch(notices)
    return Outcome(
        item.status, item.message_id, item.id, item.interaction_id, item.reason, item.subject
    )


def quarantine(raw: bytes, now: datetime, reason: str) -> Outcome:
    """A message the parser could not handle goes to the review queue as it is, keyed by its
    digest (so it is kept once), instead of being read again and failing on every run."""
    db.session.rollback()
    key = message_key("", raw)
    existing = db.session.scalar(sa.select(InboundMessage).where(InboundMessage.message_id == key))
    if existing is not None:
        return duplicate(existing)
    item = InboundMessage(
        message_id=key, status="review", reason=reason, source="imap", raw=raw, received_at=now
    )
    db.session.add(item)
    db.session.commit()
    return Outcome("review", key, item.id, None, reason)


def duplicate(existing: InboundMessage) -> Outcome:
    """The outcome for a message already received, pointing at its ledger row."""
    return Outcome(
        "duplicate",
        existing.message_id,
        existing.id,
        existing.interaction_id,
        f"Already received ({existing.status}).",
        existing.subject,
    )


def file_as_contact(item: InboundMessage, parsed: ParsedEmail, found: Match, now: datetime):
    """Record the contact (the quick log's writes and rules) and the confirmation, uncommitted.
    Returns the ledger rows to dispatch after the commit."""
    member = found.member
    data = interaction_data(
        parsed,
        [p.id for p in found.people],
        [u.id for u in found.members_present if u.id != member.id],
        now,
    )
    check(data, now)
    interaction, notices = record_interaction(member, data, now, submission_key=None)
    item.status, item.interaction, item.raw = "filed", interaction, None
    db.session.add(item)
    db.session.flush()
    return [*notices, confirmation(item, member, interaction, now)]


def confirmation(
    item: InboundMessage, member: User, interaction: Interaction, now: datetime
) -> Notification | None:
    """A short email to the member: the contact is logged, with a link to it."""
    return queue_email(
        to_email=member.email,
        kind="inbound_filed",
        subject_key=f"inbound:{item.id}",
        occurrence="filed",
        template="inbound_filed",
        subject=f"Logged: {interaction.subject or 'your email'}",
        recipient=member,
        now=now,
        context={
            "member": member,
            "interaction": interaction,
            "people": [p.full_name for p in interaction.people],
            "url": absolute_url("interactions.show", interaction_id=interaction.id),
        },
    )


# ---------- the review queue (coordinators) ----------


def review_queue() -> list[InboundMessage]:
    """The received emails waiting for review, oldest first."""
    return list(db.session.scalars(InboundMessage.waiting()))


def get_waiting(actor: User, item_id: int) -> InboundMessage:
    """A message in the review queue (coordinators only: it may name anyone, or be spam)."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators review received email.")
    item = db.session.get(InboundMessage, item_id)
    if item is None or item.status != "review":
        raise LookupError(item_id)
    return item


def preview(item: InboundMessage) -> ParsedEmail:
    """The waiting message as it would be filed. One the parser could not read is shown (and
    filed) as its raw text, so the coordinator can still decide."""
    raw = item.raw or b""
    try:
        return parse_message(raw, current_app.config["TIMEZONE"])
    except Exception:  # the poll kept it for exactly this reason (quarantine)
        return ParsedEmail(
            message_id=item.message_id,
            sender=item.sender,
            sender_name=None,
            addresses=[],
            subject=item.subject,
            notes=tidy(raw.decode("utf-8", errors="replace"))[:MAX_NOTES] or None,
            occurred_at=None,
        )


def file_waiting(
    actor: User, item_id: int, member_id: int | None, people: list[int], now: datetime
) -> Interaction:
    """A coordinator files a waiting message as the contact of the member they chose, with the
    people they chose (from the directory: nobody is created)."""
    item = get_waiting(actor, item_id)
    member = db.session.get(User, member_id) if member_id else None
    if member is None or not member.is_active:
        raise DomainError("Choose the member who had this contact.", field="member")
    parsed = preview(item)
    found = match(parsed)
    data = interaction_data(
        parsed,
        people,
        [u.id for u in found.members_present if u.id != member.id],
        now,
    )
    if data.occurred_at > now:
        data.occurred_at = now  # a sender's clock ahead of ours: the coordinator files it now
    check(data, now)
    interaction, notices = record_interaction(member, data, now, submission_key=None)
    item.status, item.interaction, item.raw = "filed", interaction, None
    item.resolved_by_id, item.resolved_at = actor.id, now
    audit.record(actor, "file", item, {"status": "review"}, {"status": "filed"}, now)
    db.session.flush()
    notices.append(confirmation(item, member, interaction, now))
    db.session.commit()
    dispatch(notices)
    return interaction


def link_waiting(actor: User, item_id: int, interaction_id: int | None, now: datetime) -> None:
    """A coordinator says a waiting message is a contact already logged."""
    item = get_waiting(actor, item_id)
    interaction = db.session.scalar(
        Interaction.visible_to(actor).where(Interaction.id == interaction_id)
        if interaction_id
        else sa.select(Interaction).where(sa.false())
    )
    if interaction is None:
        raise DomainError("There is no contact with that number.", field="interaction")
    item.status, item.interaction, item.raw = "linked", interaction, None
    item.resolved_by_id, item.resolved_at = actor.id, now
    audit.record(
        actor,
        "link",
        item,
        {"status": "review"},
        {"status": "linked", "interaction": interaction.id},
        now,
    )
    db.session.commit()


def discard_waiting(actor: User, item_id: int, now: datetime) -> None:
    """A coordinator throws a waiting message away (its Message-ID stays, so it is not filed
    again when fetched again)."""
    item = get_waiting(actor, item_id)
    item.status, item.raw = "discarded", None
    item.resolved_by_id, item.resolved_at = actor.id, now
    audit.record(actor, "discard", item, {"status": "review"}, {"status": "discarded"}, now)
    db.session.commit()

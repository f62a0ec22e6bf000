"""Contacts logged by forwarding an email: messages read from a real IMAP server (dovecot on
127.0.0.1), from a file (`flask crm ingest-email`), and the coordinators' review queue."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from crm.inbound.mailbox import poll_mailbox
from crm.inbound.services import ingest_message
from crm.models import DevMail, InboundMessage, Interaction, Notification
from tests.factories import PersonFactory, UserFactory
from tests.inbound.messages import COALITION, gmail_forward, message, outlook_forward

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def office(db):
    """A member, two staffers of an office and a counsel, with addresses as the directory has
    them (mixed case, as imported)."""
    ana = UserFactory(email="Ana.Lee@example.org", name="Ana Lee")
    jane = PersonFactory(first_name="Jane", last_name="Staffer", email="Jane.Staffer@Senate.gov")
    sam = PersonFactory(first_name="Sam", last_name="Counsel", email="sam@senate.gov")
    return ana, jane, sam


def filed(db) -> list[Interaction]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Interaction).where(Interaction.source == "email").order_by(Interaction.id)
        )
    )


# ---------- through the IMAP server ----------


def test_gmail_forward_is_filed_as_the_senders_email_contact(imap, db, office):
    ana, jane, _ = office
    imap.deliver(gmail_forward("Ana Lee <ana.lee@EXAMPLE.org>", "jane.staffer@senate.gov"))

    summary = poll_mailbox(NOW)

    assert summary.as_dict() | {} == {
        "status": "ok",
        "fetched": 1,
        "filed": 1,
        "review": 0,
        "duplicate": 0,
        "failed": 0,
    }
    [contact] = filed(db)
    assert contact.kind == "email" and contact.logged_by_id == ana.id
    assert [p.id for p in contact.people] == [jane.id]
    assert contact.subject == "Conrad 30 reauthorization"
    # The original's date (Gmail writes it without a zone: read in the coalition's zone).
    assert contact.occurred_at == datetime(2026, 11, 24, 20, 15, tzinfo=UTC)
    assert "they want the one-pager" in contact.notes  # the member's note
    assert "The Senator is reviewing H.R. 1585." in contact.notes  # the forwarded text
    assert "Dear Jane" not in contact.notes and "wrote:" not in contact.notes  # quoted history
    assert "Forwarded message" not in contact.notes and "From:" not in contact.notes
    assert not contact.private
    assert imap.unseen() == 0  # marked after the commit
    # The person's last contact moved, as for any logged contact.
    db.session.refresh(jane)
    assert jane.last_contacted_at == contact.occurred_at


def test_outlook_forward_matches_every_address_and_lists_attachments(imap, db, office):
    ana, jane, sam = office
    imap.deliver(
        outlook_forward(
            "ana.lee@example.org",
            "jane.staffer@senate.gov",
            "SAM@senate.gov",
            attachments=(("One-pager Conrad 30.pdf", b"%PDF" + b"x" * 4096),),
        )
    )

    poll_mailbox(NOW)

    [contact] = filed(db)
    assert {p.id for p in contact.people} == {jane.id, sam.id}
    assert contact.occurred_at == datetime(2026, 11, 24, 20, 15, tzinfo=UTC)  # "Sent:", 3:15 PM ET
    assert contact.notes.startswith("FYI, for the log.")
    assert "We will take the meeting next week." in contact.notes
    assert "Ana Lee, MD" not in contact.notes  # the signature
    assert "Could we meet" not in contact.notes  # the history below the forwarded message
    assert "- One-pager Conrad 30.pdf (4 KB)" in contact.notes
    assert "(not stored)" in contact.notes


def test_bcc_to_the_coalition_address_files_the_members_own_email(imap, db, office, monkeypatch):
    ana, jane, _ = office
    # A BCC'd copy names the office in To and the coalition nowhere (the mail server drops
    # the Bcc header on the way).
    imap.deliver(
        message(
            sender="Ana Lee <ana.lee@example.org>",
            to="Jane Staffer <jane.staffer@senate.gov>",
            subject="RE: Thank you for the meeting",
            text="Jane, attached is our one-pager.\n\nBest,\nAna\n\n"
            "On Tue, Nov 24, 2026 at 3:15 PM Jane Staffer <jane.staffer@senate.gov> wrote:\n"
            "> Thanks for coming by.\n",
            date=datetime(2026, 11, 30, 14, 5, tzinfo=UTC),
        )
    )

    poll_mailbox(NOW)

    [contact] = filed(db)
    assert [p.id for p in contact.people] == [jane.id] and contact.logged_by_id == ana.id
    assert contact.subject == "Thank you for the meeting"
    assert contact.occurred_at == datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    assert "Thanks for coming by" not in contact.notes


def test_a_message_fetched_twice_is_filed_once(imap, db, office):
    msg = gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov")
    imap.deliver(msg, msg)  # the same Message-ID twice (a client re-uploaded it)

    first = poll_mailbox(NOW)
    imap.deliver(msg)  # and once more later, after the first was filed
    second = poll_mailbox(NOW)

    assert (first.filed, first.duplicate) == (1, 1)
    assert (second.filed, second.duplicate) == (0, 1)
    assert len(filed(db)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 1
    confirmations = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "inbound_filed")
    ).all()
    assert len(confirmations) == 1


def test_unknown_sender_waits_for_review_and_nobody_is_created(imap, db, office):
    _, jane, _ = office
    people_before = db.session.scalar(sa.text("SELECT count(*) FROM people"))
    imap.deliver(gmail_forward("Someone <someone@elsewhere.example>", "jane.staffer@senate.gov"))
    imap.deliver(message(sender="ana.lee@example.org", to="unknown@house.gov", subject="Hi"))

    summary = poll_mailbox(NOW)

    assert (summary.filed, summary.review) == (0, 2)
    assert filed(db) == []
    reasons = db.session.scalars(
        sa.select(InboundMessage.reason).where(InboundMessage.status == "review")
    ).all()
    assert sorted(reasons) == [
        "Nobody it was sent to is in the directory.",
        "The sender is not a member of the coalition.",
    ]
    assert db.session.scalar(sa.text("SELECT count(*) FROM people")) == people_before
    assert imap.unseen() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevMail)) == 0


def test_html_only_message_becomes_text_notes(imap, db, office):
    _, jane, _ = office
    html = (
        "<html><body><div dir='ltr'><p>Met <b>Jane</b> about the <i>Conrad 30</i> bill.</p>"
        "<ul><li>Wants the shortage map</li><li>Call back Friday</li></ul></div>"
        "<div class='gmail_quote'><div class='gmail_attr'>On Mon, Nov 23, 2026 at 9:00 AM "
        "Jane wrote:</div><blockquote class='gmail_quote'>Old text we should not keep"
        "</blockquote></div><script>alert(1)</script></body></html>"
    )
    imap.deliver(
        message(sender="ana.lee@example.org", to="jane.staffer@senate.gov", text=None, html=html)
    )

    poll_mailbox(NOW)

    [contact] = filed(db)
    assert "Met Jane about the Conrad 30 bill." in contact.notes
    assert "Wants the shortage map" in contact.notes and "Call back Friday" in contact.notes
    assert "<" not in contact.notes and "alert(1)" not in contact.notes
    assert "Old text" not in contact.notes and "wrote:" not in contact.notes


def test_confirmation_email_links_to_the_logged_contact(imap, db, office):
    imap.deliver(gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov"))

    poll_mailbox(NOW)

    [contact] = filed(db)
    [mail] = db.session.scalars(sa.select(DevMail)).all()  # inline jobs: sent at once
    assert mail.to_email == "Ana.Lee@example.org"
    assert mail.subject == "Logged: Conrad 30 reauthorization"
    assert f"http://crm.test/interactions/{contact.id}" in mail.text_body
    assert "Jane" in mail.text_body


def test_polling_is_skipped_with_a_status_when_not_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "INBOUND_IMAP_HOST", None)

    assert poll_mailbox(NOW).status == "not configured"


def test_poll_moves_handled_messages_to_the_done_folder(imap, app, db, office, monkeypatch):
    monkeypatch.setitem(app.config, "INBOUND_IMAP_DONE_FOLDER", "Filed")
    imap.deliver(gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov"))

    poll_mailbox(NOW)

    assert len(filed(db)) == 1
    client = imap.client()
    try:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        assert client.select_folder("Filed", readonly=True)[b"EXISTS"] == 1
    finally:
        client.logout()


# ---------- messages attached, not quoted ----------


def test_an_attached_message_is_read_as_the_forwarded_one(db, office):
    _, jane, sam = office
    original = message(
        sender="Jane Staffer <jane.staffer@senate.gov>",
        to="ana.lee@example.org",
        cc="sam@senate.gov",
        subject="Conrad 30 meeting",
        text="See you Tuesday.",
        date=datetime(2026, 11, 20, 16, 0, tzinfo=UTC),
    )
    outer = message(sender="ana.lee@example.org", subject="Fwd: Conrad 30 meeting", text="FYI")
    outer.add_attachment(original)

    outcome = ingest_message(bytes(outer), NOW, source="file")

    assert outcome.status == "filed"
    contact = db.session.get(Interaction, outcome.interaction_id)
    assert {p.id for p in contact.people} == {jane.id, sam.id}
    assert contact.occurred_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert "FYI" in contact.notes and "See you Tuesday." in contact.notes


def test_another_member_on_the_message_is_recorded_as_present(db, office):
    ana, jane, _ = office
    bo = UserFactory(email="bo@example.org", name="Bo Member")
    msg = message(sender="ana.lee@example.org", to="jane.staffer@senate.gov", cc="BO@example.org")

    outcome = ingest_message(bytes(msg), NOW)

    contact = db.session.get(Interaction, outcome.interaction_id)
    assert [p.id for p in contact.people] == [jane.id]
    assert [m.id for m in contact.members] == [bo.id]


# ---------- the command ----------


def test_ingest_email_command_reads_eml_and_mbox(runner, db, office, tmp_path):
    eml = tmp_path / "one.eml"
    eml.write_bytes(bytes(gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov")))
    box_path = tmp_path / "many.mbox"
    box = mailbox.mbox(box_path)
    box.add(outlook_forward("ana.lee@example.org", "jane.staffer@senate.gov", "sam@senate.gov"))
    box.add(message(sender="stranger@elsewhere.example", to="jane.staffer@senate.gov"))
    box.flush()
    box.close()

    one = runner.invoke(args=["crm", "ingest-email", str(eml)])
    again = runner.invoke(args=["crm", "ingest-email", str(eml)])
    many = runner.invoke(args=["crm", "ingest-email", str(box_path)])

    assert one.exit_code == 0, one.output
    [contact] = filed(db)[:1]
    assert f"filed as contact {contact.id}" in one.output and "1 filed" in one.output
    assert "already received" in again.output and "1 duplicate" in again.output
    lines = many.output.splitlines()
    assert lines[0].startswith("1. Conrad 30 reauthorization") and "filed as contact" in lines[0]
    assert "waiting for review: The sender is not a member" in lines[1]
    assert lines[-1] == "1 filed, 1 review"
    assert len(filed(db)) == 2


# ---------- the review queue ----------


@pytest.fixture
def waiting(db, office):
    """A message from a member's personal address, waiting for review."""
    msg = gmail_forward("Ana at home <ana.personal@gmail.example>", "jane.staffer@senate.gov")
    outcome = ingest_message(bytes(msg), NOW)
    assert outcome.status == "review"
    return db.session.get(InboundMessage, outcome.inbound_id)


def test_coordinator_files_a_waiting_message(as_coordinator, auth, client, db, office, waiting):
    ana, jane, sam = office
    page = client.get(f"/inbound/{waiting.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "The sender is not a member" in text and "The Senator is reviewing" in text

    resp = auth.post(
        f"/inbound/{waiting.id}/file",
        {"member": str(ana.id), "people": [str(jane.id), str(sam.id)]},
    )

    assert resp.status_code == 302
    [contact] = filed(db)
    assert resp.headers["Location"].endswith(f"/interactions/{contact.id}")
    assert contact.logged_by_id == ana.id and {p.id for p in contact.people} == {jane.id, sam.id}
    db.session.refresh(waiting)
    assert waiting.status == "filed" and waiting.raw is None
    [mail] = db.session.scalars(sa.select(DevMail)).all()
    assert mail.to_email == ana.email  # the member, never the unknown address
    assert "Nothing is waiting." in client.get("/inbound/").get_data(as_text=True)


def test_filing_without_a_member_shows_the_error(as_coordinator, auth, db, waiting):
    resp = auth.post(f"/inbound/{waiting.id}/file", {"member": "", "people": []})

    assert resp.status_code == 422
    assert "Choose the member who had this contact." in resp.get_data(as_text=True)
    assert filed(db) == []


def test_coordinator_links_or_discards(as_coordinator, auth, client, db, office, waiting):
    ana, jane, _ = office
    other = ingest_message(
        bytes(message(sender="x@elsewhere.example", to="y@elsewhere.example")), NOW
    )
    existing = Interaction(
        kind="meeting", occurred_at=NOW, logged_by_id=ana.id, people=[jane], subject="Visit"
    )
    db.session.add(existing)
    db.session.commit()

    token = auth.token()
    bad = auth.post(
        f"/inbound/{waiting.id}/link", {"link-interaction": "999999", "link-csrf_token": token}
    )
    assert bad.status_code == 422 and "no contact with that number" in bad.get_data(as_text=True)

    linked = auth.post(
        f"/inbound/{waiting.id}/link",
        {"link-interaction": str(existing.id), "link-csrf_token": token},
    )
    thrown = auth.post(f"/inbound/{other.inbound_id}/discard", {"discard-csrf_token": token})

    assert linked.status_code == 302 and thrown.status_code == 302
    db.session.expire_all()
    assert db.session.get(InboundMessage, waiting.id).interaction_id == existing.id
    assert db.session.get(InboundMessage, other.inbound_id).status == "discarded"
    assert client.get(f"/inbound/{waiting.id}").status_code == 404  # no longer waiting
    # Fetched again, a discarded message stays discarded.
    again = ingest_message(bytes(message(sender="x@elsewhere.example", to="y@e.example")), NOW)
    assert again.status == "review"  # (a different Message-ID is a different message)


def test_review_queue_is_for_coordinators_only(as_member, auth, client, waiting):
    assert client.get("/inbound/").status_code == 403
    assert client.get(f"/inbound/{waiting.id}").status_code == 403
    assert auth.post(f"/inbound/{waiting.id}/discard", {}).status_code == 403


def test_a_filed_message_is_an_ordinary_contact(auth, client, db, office):
    """Another member sees it like any contact logged by hand (it is not private)."""
    UserFactory(email="other@example.org", role="member")
    outcome = ingest_message(
        bytes(gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov")), NOW
    )
    auth.login("other@example.org")

    page = client.get(f"/interactions/{outcome.interaction_id}")

    assert page.status_code == 200
    assert "The Senator is reviewing H.R. 1585." in page.get_data(as_text=True)


def test_odd_messages_go_to_review_instead_of_failing(db, office):
    ana, jane, _ = office
    future = message(
        sender="ana.lee@example.org",
        to="jane.staffer@senate.gov",
        date=datetime(2027, 6, 1, tzinfo=UTC),  # the sender's clock is months ahead
    )
    nul = message(sender="ana.lee@example.org", to="jane.staffer@senate.gov", text="a\x00b")
    garbage = b"\x00\xff\xfe not an email at all \r\n\r\n\x00"

    outcomes = [ingest_message(raw, NOW) for raw in (bytes(future), bytes(nul), garbage)]

    assert [o.status for o in outcomes] == ["review", "filed", "review"]
    assert outcomes[0].reason.startswith("Could not be filed: That time is in the future")
    assert db.session.get(Interaction, outcomes[1].interaction_id).notes == "ab"
    assert outcomes[2].message_id.startswith("sha256:")  # no Message-ID: keyed by its digest
    assert ingest_message(garbage, NOW).status == "duplicate"


def test_the_coalition_address_is_never_a_person_contacted(app, db, office, monkeypatch):
    _, jane, _ = office
    monkeypatch.setitem(app.config, "INBOUND_ADDRESS", COALITION.upper())
    PersonFactory(first_name="Shared", last_name="Inbox", email=COALITION)  # imported by mistake

    outcome = ingest_message(
        bytes(gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov")), NOW
    )

    contact = db.session.get(Interaction, outcome.interaction_id)
    assert [p.id for p in contact.people] == [jane.id]


def test_a_message_the_parser_chokes_on_is_kept_for_review_not_refetched(
    imap, db, office, monkeypatch, coordinator, auth, client
):
    from crm.inbound import services

    real = services.parse_message

    def choke(raw, tz="UTC"):
        if b"CHOKE" in raw:
            raise UnicodeError("a bug in the parser")
        return real(raw, tz)

    monkeypatch.setattr(services, "parse_message", choke)
    imap.deliver(
        message(sender="ana.lee@example.org", to="jane.staffer@senate.gov", text="CHOKE"),
        gmail_forward("ana.lee@example.org", "jane.staffer@senate.gov"),
    )

    first = poll_mailbox(NOW)
    second = poll_mailbox(NOW)

    assert (first.fetched, first.filed, first.review, first.failed) == (2, 1, 1, 1)
    assert second.fetched == 0 and imap.unseen() == 0
    [kept] = db.session.scalars(
        sa.select(InboundMessage).where(InboundMessage.status == "review")
    ).all()
    assert kept.reason == "It could not be read." and b"CHOKE" in kept.raw
    # A coordinator still sees it as text, and can file it.
    auth.login("coord@example.org")
    page = client.get(f"/inbound/{kept.id}")
    assert page.status_code == 200 and "CHOKE" in page.get_data(as_text=True)

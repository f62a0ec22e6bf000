"""Messages as members' mail clients send them to the coalition mailbox (built, not copied, so
each test says what it varies)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

COALITION = "log@coalition.example.org"
SENT = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def message(
    *,
    sender: str,
    to: str = COALITION,
    cc: str | None = None,
    subject: str = "Conrad 30",
    text: str | None = "Hello",
    html: str | None = None,
    message_id: str | None = None,
    date: datetime = SENT,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def gmail_forward(sender: str, staffer: str, **kwargs) -> EmailMessage:
    """Gmail's forward: the member's note, the marker, the original's headers and text."""
    text = (
        "Logging this for the coalition: they want the one-pager.\n\n"
        "---------- Forwarded message ---------\n"
        f"From: Jane Staffer <{staffer}>\n"
        "Date: Tue, Nov 24, 2026 at 3:15 PM\n"
        "Subject: Re: Conrad 30 reauthorization\n"
        f"To: Dr. Ana Lee <{sender}>\n\n"
        "Thanks for coming by. The Senator is reviewing H.R. 1585.\n"
        "Could you send the one-pager on shortage areas?\n\n"
        "Jane\n\n"
        "On Mon, Nov 23, 2026 at 9:00 AM Dr. Ana Lee <ana@example.org> wrote:\n"
        "> Dear Jane, thank you for the meeting.\n"
    )
    kwargs.setdefault("subject", "Fwd: Re: Conrad 30 reauthorization")
    return message(sender=sender, text=text, **kwargs)


def outlook_forward(sender: str, staffer: str, cc: str, **kwargs) -> EmailMessage:
    """Outlook's forward: a rule, then From/Sent/To/Cc/Subject, with "Last, First" names."""
    text = (
        "FYI, for the log.\n\n"
        "-- \nAna Lee, MD\nIMG Taskforce\n\n"
        "________________________________\n"
        f"From: Staffer, Jane <{staffer}>\n"
        "Sent: Tuesday, November 24, 2026 3:15 PM\n"
        f"To: Lee, Ana <{sender}>\n"
        f"Cc: Counsel, Sam <{cc}>\n"
        "Subject: Conrad 30 reauthorization\n\n"
        "We will take the meeting next week.\n\n"
        "From: Lee, Ana <ana@example.org>\n"
        "Sent: Monday, November 23, 2026 9:00 AM\n"
        "To: Staffer, Jane <jane@example.org>\n"
        "Subject: Conrad 30 reauthorization\n\n"
        "Could we meet about H.R. 1585?\n"
    )
    kwargs.setdefault("subject", "FW: Conrad 30 reauthorization")
    return message(sender=sender, text=text, **kwargs)

"""Reading one RFC 822 message a member forwarded (or BCC'd) to the coalition mailbox.

What a contact needs from it: who sent it (the member), every address it names (in From/To/Cc,
in the headers of a forwarded message quoted in the body, Gmail's "---------- Forwarded message
---------" and Outlook's "From: / Sent: / To: / Subject:" blocks, and in attached messages), the
subject without Fwd:/RE: prefixes, the text (HTML converted) without quoted history and
signatures, the attachments by name and size, and when the original message was written.
No database access here: crm.inbound.services decides what the addresses mean.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from crm.clock import as_utc, from_local

MAX_NOTES = 20000
ADDRESS = re.compile(r"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|fw|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
FORWARD = re.compile(r"^\s*(?:(?:re|aw)\s*:\s*)*(?:fwd?|fw|wg|tr)\s*(?:\[\d+\])?\s*:", re.I)
GMAIL_MARKER = re.compile(r"^-{5,}\s*Forwarded message\s*-{5,}\s*$", re.IGNORECASE)
ORIGINAL_MARKER = re.compile(r"^-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)
RULE = re.compile(r"^[_\-=]{10,}\s*$")  # Outlook's line above its header block
HEADER_LINE = re.compile(r"^\**\s*(From|Sent|Date|To|Cc|Subject|Reply-To)\s*:\**\s*(.*)$", re.I)
WROTE = re.compile(r"^(On|Le|Am|El)\s.{4,300}(wrote|a écrit|schrieb|escribió)\s*:\s*$", re.I)
SIGNATURE = re.compile(
    r"^(--\s*|Sent from my \w+.*|Get Outlook for \w+.*|Sent from Outlook.*|Sent from Mail for .*)$",
    re.IGNORECASE,
)
# Dates as mail clients write them in a forwarded block (no zone: read in the app's time zone).
LOOSE_DATES = (
    "%a, %b %d, %Y at %I:%M %p",  # Gmail: Tue, Nov 24, 2026 at 3:15 PM
    "%a, %b %d, %Y at %H:%M",
    "%A, %B %d, %Y %I:%M %p",  # Outlook: Tuesday, November 24, 2026 3:15 PM
    "%A, %B %d, %Y %I:%M:%S %p",
    "%A, %B %d, %Y at %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y-%m-%d %H:%M",
)


@dataclass
class Forwarded:
    """The headers of a message quoted in a forward (as text, or as an attached message)."""

    addresses: list[str] = field(default_factory=list)
    subject: str | None = None
    date: datetime | None = None


@dataclass
class ParsedEmail:
    """What a forwarded email says about the contact: who sent it, the addresses on it, subject,
    notes, when, attachments."""

    message_id: str
    sender: str | None  # the From address of the message itself (the member), lower case
    sender_name: str | None
    addresses: list[str]  # every address named, lower case, in order, without repeats
    subject: str | None
    notes: str | None
    occurred_at: datetime | None  # the original message's date (UTC), when it says
    attachments: list[tuple[str, int]] = field(default_factory=list)  # (filename, bytes)


def parse_message(raw: bytes, tz: str = "UTC") -> ParsedEmail:
    """The parts of a message a contact is made of. `tz` reads dates written without a zone."""
    msg = message_from_bytes(raw, policy=policy.default)
    name, sender = parseaddr(header(msg, "From"))
    addresses = header_addresses(msg)
    forwards: list[Forwarded] = []
    texts: list[str] = []
    attachments: list[tuple[str, int]] = []
    forward = bool(FORWARD.match(header(msg, "Subject")))
    read_parts(msg, tz, texts, forwards, attachments, forward)
    for fwd in forwards:
        addresses.extend(fwd.addresses)
    subject = clean_subject(header(msg, "Subject"))
    if not subject:
        subject = next((clean_subject(f.subject) for f in forwards if f.subject), None)
    # The date the original was written: the first forwarded message's, else this message's.
    occurred = next((f.date for f in forwards if f.date), None) or header_date(msg)
    notes = "\n\n".join(t for t in texts if t).strip()
    if attachments:
        listed = "\n".join(f"- {name} ({human_size(size)})" for name, size in attachments)
        notes = (notes + "\n\n" if notes else "") + "Attachments (not stored):\n" + listed
    notes = CONTROL.sub("", notes)
    if len(notes) > MAX_NOTES:
        notes = notes[: MAX_NOTES - 20].rstrip() + "\n\n[… shortened]"
    return ParsedEmail(
        message_id=message_key(header(msg, "Message-ID"), raw),
        sender=CONTROL.sub("", sender.lower()) if "@" in sender else None,
        sender_name=name or None,
        addresses=list(dict.fromkeys(a.lower() for a in addresses)),
        subject=(subject or None) and subject[:200],
        notes=notes or None,
        occurred_at=occurred,
        attachments=attachments,
    )


def header(msg: EmailMessage, name: str) -> str:
    """A header as text; a malformed one is read as its raw value instead of failing."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # the email package's parser gave up
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return str(value or "").strip()


def header_addresses(msg: EmailMessage) -> list[str]:
    """Every address in the From, To and Cc headers, in order (names with commas read by pattern
    too)."""
    values = [header(msg, n) for n in ("From", "To", "Cc")]
    found = [addr for _, addr in getaddresses(values) if "@" in addr]
    # Whatever getaddresses could not split (Outlook's "Lee, Ana" names) is read by pattern.
    return found + [a for v in values for a in ADDRESS.findall(v)]


def header_date(msg: EmailMessage) -> datetime | None:
    """The Date header as aware UTC, or None when missing or unreadable."""
    value = header(msg, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return as_utc(parsed)  # "-0000" (zone unknown) is read as UTC


def message_key(message_id: str, raw: bytes) -> str:
    """The ledger key: the Message-ID, or a digest of the message when it has none (or one too
    long for the column)."""
    value = message_id.strip()
    if value and len(value) <= 255 and "\n" not in value:
        return value
    return "sha256:" + hashlib.sha256(value.encode() if value else raw).hexdigest()


def clean_subject(subject: str | None) -> str | None:
    """A subject on one line without control characters or Re:/Fwd: prefixes, or None when
    nothing is left."""
    if not subject:
        return None
    subject = CONTROL.sub("", re.sub(r"\s+", " ", subject))
    return PREFIX.sub("", subject).strip() or None


def human_size(size: int) -> str:
    """A size in bytes as people read it, e.g. "512 bytes", "12 KB", "1.5 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def read_parts(
    msg: EmailMessage,
    tz: str,
    texts: list[str],
    forwards: list[Forwarded],
    attachments: list[tuple[str, int]],
    forward: bool,
) -> None:
    """Walk a message: its text (the plain part, else the HTML one), attached messages (read as
    forwards) and attachments (listed)."""
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = part_text(body)
        texts.append(read_text(text, tz, forwards, forward))
    for part in leaves(msg):
        if part is body:
            continue
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, EmailMessage):
                forwards.append(
                    Forwarded(
                        header_addresses(inner),
                        header(inner, "Subject") or None,
                        header_date(inner),
                    )
                )
                read_parts(inner, tz, texts, forwards, attachments, forward=False)
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if filename or disposition == "attachment":
            try:
                size = len(part.get_payload(decode=True) or b"")
            except (ValueError, TypeError):
                size = 0
            attachments.append((clean_filename(filename) or "unnamed attachment", size))


def leaves(msg: EmailMessage):
    """The parts of a message that are not containers; an attached message is one part (read
    on its own), not descended into."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        yield msg
        return
    for part in msg.iter_parts():
        yield from leaves(part)


def clean_filename(name: str | None) -> str | None:
    """An attachment's filename on one line, at most 200 characters, or None when empty."""
    if not name:
        return None
    return re.sub(r"[\r\n\t]+", " ", name).strip()[:200] or None


def part_text(part: EmailMessage) -> str:
    """A text part's content as text with LF line ends (HTML turned into text; a broken charset
    read as UTF-8)."""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if not isinstance(content, str):
        content = content.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return content.replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(html: str) -> str:
    """HTML mail as plain text (inscriptis keeps the layout of blocks, lists and tables).

    Quoted replies sit in <blockquote> (Gmail, Apple Mail, Thunderbird) and are dropped first;
    a Gmail forward is not in one, so the forwarded text stays."""
    import lxml.html
    from inscriptis import get_text

    if not html.strip():
        return ""
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return get_text(html)
    for quote in tree.xpath("//blockquote"):
        quote.drop_tree()
    return get_text(lxml.html.tostring(tree, encoding="unicode"))


# ---------- the text: forwarded blocks, quoted history, signatures ----------


def read_text(text: str, tz: str, forwards: list[Forwarded], forward: bool) -> str:
    """The text worth keeping as notes. A forwarded block's headers are read into `forwards`
    and left out; the member's own note above it and the forwarded message's text are kept;
    quoted replies below that, '>' lines and signatures are trimmed."""
    lines = [line.rstrip() for line in text.split("\n")]
    kept: list[str] = []
    i = 0
    forwarded_seen = False
    while i < len(lines):
        line = lines[i].strip()
        block = header_block(lines, i + 1) if GMAIL_MARKER.match(line) else None
        if block is None and (RULE.match(line) or ORIGINAL_MARKER.match(line)):
            block = header_block(lines, i + 1)
            if block is None and ORIGINAL_MARKER.match(line):
                break  # "-----Original Message-----" with no headers: history from here
        if block is None and HEADER_LINE.match(line):
            block = header_block(lines, i)
        if block is not None:
            end, headers = block
            # Gmail says so; Outlook's block looks the same in a forward and a reply, so
            # the subject (FW: or RE:) tells them apart.
            if forwarded_seen or not (GMAIL_MARKER.match(line) or forward):
                break  # a reply's quoted history (or a forward inside a forward): stop
            forwarded_seen = True
            forwards.append(forwarded_from(headers, tz))
            kept.append("")
            i = end
            continue
        if WROTE.match(line) or (
            i + 1 < len(lines) and WROTE.match(f"{line} {lines[i + 1].strip()}")
        ):
            break
        if SIGNATURE.match(line):
            # A signature ends this part; a forwarded message may still follow it.
            j = next_block(lines, i + 1)
            if j is None:
                break
            i = j
            continue
        if line.startswith(">"):
            i += 1
            continue
        kept.append(lines[i])
        i += 1
    return tidy("\n".join(kept))


def next_block(lines: list[str], start: int) -> int | None:
    """Where a forwarded block begins after a signature, if one does."""
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if GMAIL_MARKER.match(stripped) or RULE.match(stripped):
            return j
        if HEADER_LINE.match(stripped) and header_block(lines, j) is not None:
            return j
    return None


def header_block(lines: list[str], start: int) -> tuple[int, dict[str, str]] | None:
    """Headers from `start` (blank lines before them skipped) to the first blank line: a From,
    a date (Date/Sent) and a To, Cc or Subject. Returns (the line after the block, headers)."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    headers: dict[str, str] = {}
    last = None
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped:
            break
        match = HEADER_LINE.match(stripped)
        if match:
            last = match.group(1).lower()
            headers[last] = match.group(2).strip()
        elif last in ("to", "cc", "subject") and headers:
            headers[last] += " " + stripped  # a long header wrapped onto the next line
        else:
            break
        i += 1
    if "from" in headers and ({"date", "sent"} & headers.keys()) and len(headers) >= 3:
        return i, headers
    return None


def forwarded_from(headers: dict[str, str], tz: str) -> Forwarded:
    """The addresses, subject and date of a forwarded block's header lines."""
    addresses = [a for key in ("from", "to", "cc") for a in ADDRESS.findall(headers.get(key, ""))]
    when = headers.get("date") or headers.get("sent")
    return Forwarded(addresses, headers.get("subject"), loose_date(when, tz))


def loose_date(value: str | None, tz: str) -> datetime | None:
    """A date as a forwarded block writes it: RFC 2822, or as Gmail and Outlook show it."""
    if not value:
        return None
    value = re.sub(r"\s+", " ", value.replace("\u202f", " ")).strip()
    for fmt in LOOSE_DATES:
        try:
            return from_local(datetime.strptime(value, fmt), tz)
        except ValueError:
            continue
    if not re.search(r"\d{1,2}:\d{2}(:\d{2})?\s*([+-]\d{4}|[A-Z]{2,4}|GMT|UTC)\b", value):
        return None  # parsedate guesses wildly at anything else
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return as_utc(parsed) if parsed.tzinfo else from_local(parsed.replace(tzinfo=None), tz)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def tidy(text: str) -> str:
    """Control characters (PostgreSQL refuses NUL) and trailing spaces off, runs of blank lines
    collapsed."""
    text = "\n".join(CONTROL.sub("", line).rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()

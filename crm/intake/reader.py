"""Read a coalition's own spreadsheet: CSV in UTF-8 (with or without a byte-order mark) or
Windows-1252, any common delimiter, or an Excel workbook's first sheet. Rows come back as lists
of strings under a header row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
DELIMITERS = ",;\t|"


class BadTable(ValueError):
    """The file cannot be read as a table (the message says why)."""


@dataclass
class Table:
    """A spreadsheet read: its headers, its rows (each as wide as the headers), and how the file
    was read."""

    headers: list[str]
    rows: list[list[str]]
    encoding: str
    delimiter: str | None


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def cell_text(value) -> str:
    """A cell's value as text: "" for empty, ISO dates, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes, filename: str) -> Table:
    """The header and rows of a .csv, .txt or .xlsx file."""
    if len(data) > MAX_BYTES:
        raise BadTable(f"the file is larger than {MAX_BYTES // 2**20} MB")
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return read_xlsx(data)
    text, encoding = decode(data)
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[c.strip() for c in row] for row in reader]
    except csv.Error as e:
        raise BadTable(f"not a readable CSV file ({e})") from None
    return table(rows, encoding, delimiter)


def read_xlsx(data: bytes) -> Table:
    """The first sheet of an Excel workbook as a table; raises BadTable when it cannot be read."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise BadTable(f"not a readable Excel workbook ({e.__class__.__name__})") from None
    sheet = book.worksheets[0]
    rows = []
    for n, row in enumerate(sheet.iter_rows(values_only=True)):
        if n > MAX_ROWS + 1:
            break
        rows.append([cell_text(v) for v in row])
    book.close()
    return table(rows, "xlsx", None)


def table(rows: list[list[str]], encoding: str, delimiter: str | None) -> Table:
    """Rows as a table: blank rows dropped, the first row the headers (unnamed ones "Column N");
    raises BadTable when empty or too long."""
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        raise BadTable("the file has no rows")
    if len(rows) - 1 > MAX_ROWS:
        raise BadTable(f"more than {MAX_ROWS:,} rows: split the file")
    headers = [h.strip() or f"Column {i + 1}" for i, h in enumerate(rows[0])]
    width = len(headers)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return Table(headers, body, encoding, delimiter)

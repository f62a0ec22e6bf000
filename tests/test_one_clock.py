"""crm/clock.py is the one place that reads the time of day: the app and the worker take `now`
from it (or as an argument), never from the server's clock and zone directly."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

READS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}


def clock_reads(source: str, filename: str = "<test>") -> list[int]:
    """Lines calling date.today(), datetime.now(), datetime.utcnow() or datetime.today(),
    however datetime was imported (`datetime.datetime.now()` too)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in READS:
                found.append(node.lineno)
    return found


def test_the_check_finds_each_way_of_reading_the_clock():
    source = (
        "import datetime as dt\nfrom datetime import date, datetime\n"
        "a = date.today()\nb = datetime.now(UTC)\nc = dt.datetime.utcnow()\n"
        "d = datetime.fromisoformat('2026-01-01')\ne = clock.utcnow()\n"
    )
    assert clock_reads(source) == [3, 4, 5]


def test_only_the_clock_module_reads_the_clock():
    clock = ROOT / "crm" / "clock.py"
    paths = sorted((ROOT / "crm").rglob("*.py")) + sorted((ROOT / "worker").rglob("*.py"))
    offenders = [
        f"{Path(p).relative_to(ROOT)}:{line}"
        for p in paths
        if p != clock
        for line in clock_reads(p.read_text(), str(p))
    ]
    assert offenders == [], "read the time through crm.clock instead: " + ", ".join(offenders)

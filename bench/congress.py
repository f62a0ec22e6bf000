"""Load the current Congress into the benchmark / screenshot database with the real importer."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_congress() -> int:
    """Import the shared congress-legislators snapshot (CRM_SHARED_DATA, default ../shared/data);
    returns how many members of Congress were created."""
    from crm.clock import utcnow
    from crm.imports.services import import_directory

    data = Path(os.environ.get("CRM_SHARED_DATA") or ROOT.parent / "shared" / "data")
    result = import_directory("congress", data / "congress-legislators", now=utcnow())
    return result.counts["people"]["created"]

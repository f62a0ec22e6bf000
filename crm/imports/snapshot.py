"""The congress-legislators snapshot shipped in the repository (crm/data/).

It is what `import-congress` reads without a source and what the first run loads, so a new
install has all of Congress without a network. `--latest` (or a URL) refreshes from the published
files. Rebuild it from a checkout of the dataset with
`python -m crm.imports.snapshot FOLDER YYYY-MM-DD` (the date of the dataset's commit).
"""

from __future__ import annotations

import sys
import zipfile
from datetime import date
from pathlib import Path

from crm.imports.congress import FILES

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "congress-legislators.zip"


def snapshot_date(path: Path = SNAPSHOT) -> date | None:
    """The date of the data: every member of the archive carries it as its timestamp."""
    with zipfile.ZipFile(path) as zf:
        stamps = [m.date_time for m in zf.infolist() if not m.is_dir()]
    return date(*max(stamps)[:3]) if stamps else None


def snapshot_label(path: Path = SNAPSHOT) -> str:
    """How reports and Admin → Imports name the bundled snapshot."""
    when = snapshot_date(path)
    return f"bundled congress-legislators snapshot ({when.isoformat() if when else 'undated'})"


def build(folder: Path, on: date, dest: Path = SNAPSHOT) -> Path:
    """Zip exactly the files the importer reads (YAML), each stamped with the data's date."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for stem in FILES:
            source = folder / f"{stem}.yaml"
            info = zipfile.ZipInfo(source.name, date_time=(on.year, on.month, on.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, source.read_bytes(), compresslevel=9)
    return dest


if __name__ == "__main__":  # pragma: no cover (a maintainer's tool)
    folder, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
    print(build(folder, day))

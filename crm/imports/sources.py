"""Where import files come from (a folder, a .zip, a URL, an upload) and how they are read.

Every source ends up as a local folder; the parsers only ever read folders. Reading a file either
returns its data or raises BadFile naming the file and, where known, the line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath

import yaml

from crm.imports.records import Problem

try:  # libyaml is several times faster on the 1 MB legislators file
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _SafeLoader

DATA_EXTENSIONS = (".json", ".yaml", ".yml", ".csv")
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_FILES = 20000


class SourceError(Exception):
    """The source cannot be opened at all (missing folder, network down, bad archive)."""


class BadFile(Exception):
    """A file cannot be read: malformed YAML/JSON/CSV, not UTF-8, duplicate keys."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class UniqueKeyLoader(_SafeLoader):
    """Safe YAML loading that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
        return super().construct_mapping(node, deep)


def _unique_pairs(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


class ParseCache:
    """Parsed YAML kept as JSON, keyed by the SHA-256 of the file's bytes.

    YAML is the slow part of a refresh (about 2 s of CPU for congress-legislators); JSON of the
    same data loads fifty times faster. A changed file has a new key, so the cache is never
    stale; after a run, entries that run did not use are pruned.
    """

    VERSION = "1"

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def key(self, raw: bytes) -> str:
        return hashlib.sha256(self.VERSION.encode() + raw).hexdigest()

    def get(self, key: str):
        self.used.add(key)
        try:
            with open(self.folder / f"{key}.json", encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def put(self, key: str, data) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:  # a cache that cannot be written only costs time
            pass

    def prune(self) -> None:
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


@dataclass
class Source:
    """A local folder holding the files, what the user gave, and the date of the data."""

    root: Path
    label: str
    date: date | None = None
    cache: ParseCache | None = None

    def name(self, path: Path) -> str:
        """The file's name as shown in reports: relative to the source."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.name

    def read(self, path: Path):
        """A YAML or JSON file's data; raises BadFile naming the file."""
        name = self.name(path)
        if self.cache is None or path.suffix == ".json":
            return read_data(path, name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise BadFile(Problem(name, None, f"cannot be read: {exc.strerror}")) from None
        key = self.cache.key(raw)
        data = self.cache.get(key)
        if data is None:
            data = read_data(path, name, raw)
            self.cache.put(key, data)
        return data

    def read_csv(self, path: Path, required: tuple[str, ...]) -> list[dict]:
        return read_csv(path, self.name(path), required)


def read_data(path: Path, name: str, raw: bytes | None = None):
    """Parse a YAML or JSON file (by extension)."""
    try:
        if raw is not None:
            return yaml.load(raw.decode("utf-8"), Loader=UniqueKeyLoader)  # noqa: S506
        with open(path, encoding="utf-8") as fh:
            if path.suffix == ".json":
                return json.load(fh, object_pairs_hook=_unique_pairs)
            return yaml.load(fh, Loader=UniqueKeyLoader)  # noqa: S506 (a safe loader)
    except UnicodeDecodeError as exc:
        raise BadFile(
            Problem(name, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        ) from None
    except json.JSONDecodeError as exc:
        raise BadFile(
            Problem(
                name, None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            )
        ) from None
    except ValueError as exc:  # duplicate JSON keys
        raise BadFile(Problem(name, None, f"not valid JSON: {exc}")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BadFile(Problem(name, None, f"not valid YAML: {what}{where}")) from None


def read_csv(path: Path, name: str, required: tuple[str, ...]) -> list[dict]:
    """Rows of a CSV file as dicts; a missing column or a ragged row makes the file bad."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise BadFile(Problem(name, None, f"missing column(s): {', '.join(missing)}"))
            if len(set(header)) != len(header):
                raise BadFile(Problem(name, None, "the header repeats a column name"))
            rows = []
            for row in reader:
                if None in row:
                    raise BadFile(
                        Problem(
                            name,
                            f"line {reader.line_num}",
                            "more cells than the header has columns",
                        )
                    )
                rows.append(row)
            return rows
    except UnicodeDecodeError as exc:
        raise BadFile(
            Problem(name, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        ) from None
    except csv.Error as exc:
        raise BadFile(Problem(name, None, f"not valid CSV: {exc}")) from None


def find_file(root: Path, stem: str, extensions=DATA_EXTENSIONS) -> Path | None:
    """The first of stem.json, stem.yaml, stem.yml, stem.csv that exists in root."""
    for ext in extensions:
        candidate = root / f"{stem}{ext}"
        if candidate.is_file():
            return candidate
    return None


def newest_date(paths) -> date | None:
    times = [p.stat().st_mtime for p in paths if p.exists()]
    return datetime.fromtimestamp(max(times), UTC).date() if times else None


# ---- opening a source ----


@contextmanager
def open_source(
    spec: str | os.PathLike,
    *,
    files: tuple[str, ...] = (),
    timeout: float = 30,
    stem_order: tuple[str, ...] = DATA_EXTENSIONS,
    cache: ParseCache | None = None,
    label: str | None = None,
) -> Iterator[Source]:
    """A local folder for a folder path, a .zip archive, or a URL (of a .zip or of a folder
    holding `files`, tried in the order of `stem_order`). Temporary copies are removed after."""
    text = os.fspath(spec)
    label = label or text  # what reports call it (an upload's name, not its temporary path)
    if text.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(prefix="crm-import-") as tmp:
            root = Path(tmp)
            if text.lower().split("?")[0].endswith(".zip"):
                archive = root / "download.zip"
                modified = download(text, archive, timeout)
                yield Source(extract_zip(archive, root / "data"), text, modified, cache)
            elif not files:
                raise SourceError(
                    f"{text} is not a .zip archive: give the URL of a .zip of the data folder."
                )
            else:
                modified = download_files(text, files, root, timeout, stem_order)
                yield Source(root, text, modified, cache)
        return
    path = Path(text).expanduser()
    if path.is_dir():
        yield Source(path, label, None, cache)
    elif path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix="crm-import-") as tmp:
            root = extract_zip(path, Path(tmp))
            yield Source(root, label, zip_date(path), cache)
    elif path.exists():
        raise SourceError(f"{label} is neither a folder nor a .zip archive.")
    else:
        raise SourceError(f"{label} does not exist.")


def download(url: str, dest: Path, timeout: float) -> date | None:
    """Save one URL to dest; returns the Last-Modified date. Raises SourceError when the network
    is unreachable, FileNotFoundError on 404."""
    request = urllib.request.Request(url, headers={"User-Agent": "img-taskforce-crm importer"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            with open(dest, "wb") as out:
                copied = 0
                while chunk := response.read(1 << 16):
                    copied += len(chunk)
                    if copied > MAX_DOWNLOAD_BYTES:
                        raise SourceError(f"{url} is larger than {MAX_DOWNLOAD_BYTES >> 20} MB.")
                    out.write(chunk)
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise FileNotFoundError(url) from None
        raise SourceError(
            f"Could not download {url}: the server answered {exc.code} {exc.reason}."
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(
            f"Could not download {url}: {reason}. The network may be unreachable; check the "
            f"connection, or download the files yourself and pass their folder."
        ) from None
    try:
        return parsedate_to_datetime(modified).date() if modified else None
    except (TypeError, ValueError):
        return None


def download_files(
    base: str, stems: tuple[str, ...], root: Path, timeout: float, order: tuple[str, ...]
) -> date | None:
    """Fetch each file stem from a folder URL, in the first format the server has."""
    base = base if base.endswith("/") else base + "/"
    dates = []
    for stem in stems:
        for ext in order:
            try:
                dates.append(download(base + stem + ext, root / f"{stem}{ext}", timeout))
                break
            except FileNotFoundError:
                continue
    return max((d for d in dates if d), default=None)


def safe_member(name: str) -> PurePosixPath | None:
    """An archive member's path, or None if it would escape the folder or is not data."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    if path.parts[0] in ("__MACOSX",) or path.name.startswith("."):
        return None
    return path


def extract_zip(archive: Path, dest: Path) -> Path:
    """Extract data files only, refusing archives that are too large or escape the folder.
    Returns the folder to read: the single top folder when the archive has one."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) > MAX_ARCHIVE_FILES:
                raise SourceError(f"The archive holds more than {MAX_ARCHIVE_FILES} files.")
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise SourceError(f"The archive unpacks to more than {MAX_ARCHIVE_BYTES >> 20} MB.")
            for member in members:
                path = safe_member(member.filename)
                if path is None or path.suffix.lower() not in DATA_EXTENSIONS:
                    continue
                target = dest.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"Not a readable .zip archive: {exc}.") from None
    dest.mkdir(parents=True, exist_ok=True)
    entries = [e for e in dest.iterdir()]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest


def zip_date(archive: Path) -> date | None:
    with zipfile.ZipFile(archive) as zf:
        stamps = [m.date_time for m in zf.infolist() if not m.is_dir()]
    return date(*max(stamps)[:3]) if stamps else None

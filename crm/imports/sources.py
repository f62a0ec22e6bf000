"""Where import files come from (a folder, a .zip, a URL, an upload) and how they are read.

Every source ends up as a local folder; the parsers only ever read folders. Reading a file either
returns its data or raises BadFile naming the file and, where known, the line.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import ipaddress
import json
import os
import socket
import ssl
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import yaml

from crm.imports.records import Problem

try:  # libyaml is several times faster on the 1 MB legislators file
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _SafeLoader

DATA_EXTENSIONS = (".json", ".yaml", ".yml", ".csv")
# Caps on what one import may make the worker hold or write: a download, the files a .zip
# unpacks to (each and in total, counted while unpacking, not from the archive's own claims),
# and the records of one file (congress-legislators has about 540, an Open States file one).
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_FILES = 20000
MAX_RECORDS = 50_000
MAX_REDIRECTS = 5


class SourceError(Exception):
    """The source cannot be opened at all (missing folder, network down, bad archive)."""


class BadFile(Exception):
    """A file cannot be read: malformed YAML/JSON/CSV, not UTF-8, duplicate keys."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class UniqueKeyLoader(_SafeLoader):
    """Safe YAML loading that refuses aliases (`*name`) and a mapping with the same key twice
    (PyYAML keeps the last).

    Aliases are how a few hundred bytes of YAML ("billion laughs") become gigabytes once the
    data is walked or written out as JSON; no directory dataset uses them. The composed node
    graph is checked before anything is constructed: an alias is a node reached twice.
    """

    def get_single_node(self):
        """The document's node, refused when it contains an alias."""
        node = super().get_single_node()
        if node is not None:
            refuse_aliases(node)
        return node

    def construct_mapping(self, node, deep=False):
        """A mapping, refused when a key appears twice."""
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


def refuse_aliases(root) -> None:
    """Raise a YAML error at the first node that appears twice in the graph (an alias)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in import files", node.start_mark
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


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
    stale; after a good run, entries that run did not use are pruned; after a failed one, the
    entries it wrote are removed. The folder never holds more than `max_bytes` (oldest entries
    go first) and an entry larger than half of that is not kept at all.
    """

    VERSION = "1"

    def __init__(self, folder: Path, max_bytes: int = 64 * 1024 * 1024):
        self.folder = folder
        self.max_bytes = max_bytes
        self.used: set[str] = set()
        self.written: set[str] = set()

    def key(self, raw: bytes) -> str:
        """The cache key of a file: SHA-256 of the cache version and its bytes."""
        return hashlib.sha256(self.VERSION.encode() + raw).hexdigest()

    def get(self, key: str):
        """The parsed data cached under this key (marking it used), or None."""
        self.used.add(key)
        try:
            with open(self.folder / f"{key}.json", encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def put(self, key: str, data) -> None:
        """Cache the parsed data under this key unless too large; write errors are ignored."""
        text = json.dumps(data, default=str)
        if len(text) > self.max_bytes // 2:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
            self.written.add(key)
            self.shrink()
        except OSError:  # a cache that cannot be written only costs time
            pass

    def entries(self) -> list[tuple[float, int, Path]]:
        """The cache's files as (mtime, size, path), oldest first."""
        out = []
        for path in self.folder.glob("*.json"):
            try:
                stat = path.stat()
            except OSError:
                continue
            out.append((stat.st_mtime, stat.st_size, path))
        return sorted(out)

    def shrink(self) -> None:
        """Remove the oldest entries until the folder fits in max_bytes."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def prune(self) -> None:
        """Remove the entries this run did not use."""
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)

    def discard_written(self) -> None:
        """After a failed run: remove what it added (the data may be what made it fail)."""
        for key in self.written:
            (self.folder / f"{key}.json").unlink(missing_ok=True)
        self.written.clear()


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
        """The CSV file's rows as dicts, named in problems relative to the source."""
        return read_csv(path, self.name(path), required)


def read_data(path: Path, name: str, raw: bytes | None = None):
    """Parse a YAML or JSON file (by extension), refusing one with more than MAX_RECORDS."""
    data = parse_data(path, name, raw)
    check_records(data, name)
    return data


def check_records(data, name: str) -> None:
    """Raises BadFile when the data holds more than MAX_RECORDS records."""
    if isinstance(data, list | dict) and len(data) > MAX_RECORDS:
        raise BadFile(Problem(name, None, f"holds more than {MAX_RECORDS} records"))


def parse_data(path: Path, name: str, raw: bytes | None = None):
    """A file's data, read as JSON or YAML (from `raw` when given) with duplicate keys refused;
    raises BadFile saying what is wrong and where."""
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
                if len(rows) > MAX_RECORDS:
                    raise BadFile(Problem(name, None, f"holds more than {MAX_RECORDS} records"))
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
    """The UTC date of the newest of these files, or None when none exists."""
    times = [p.stat().st_mtime for p in paths if p.exists()]
    return datetime.fromtimestamp(max(times), UTC).date() if times else None


# ---- opening a source ----


@dataclass(frozen=True)
class UrlPolicy:
    """Which addresses a URL import may connect to, and how long it waits.

    Only public (globally routable) unicast addresses, unless the host name or the address is in
    the allow-list (CRM_IMPORT_URL_ALLOW: host names and CIDRs). The host is resolved once, every
    address it resolves to is checked, and the connection goes to the address that was checked
    (so DNS cannot answer differently between the check and the connection); each redirect is
    checked the same way.
    """

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple = ()
    timeout: float = 30

    @classmethod
    def from_setting(cls, text: str | None, timeout: float = 30) -> UrlPolicy:
        """The policy from CRM_IMPORT_URL_ALLOW: host names and CIDRs, comma or space apart."""
        hosts, networks = set(), []
        for item in (text or "").replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks), timeout)

    def allows(self, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """True when a URL import may connect to this host at this address."""
        if host.lower().rstrip(".") in self.allow_hosts:
            return True
        if any(address in net for net in self.allow_networks if net.version == address.version):
            return True
        return address.is_global and not address.is_multicast


class FetchRefused(SourceError):
    """The URL names an address imports may not reach, or it did not answer like a web server.

    Always the same text (see refused()), so an admin cannot use the importer to tell which
    internal addresses and ports exist."""


def refused(url: str) -> FetchRefused:
    """The error for a URL imports may not fetch from or that did not answer, saying what to do
    instead."""
    return FetchRefused(
        f"Could not download {url}: the address is not one imports may fetch from, or it did "
        f"not answer. Imports fetch only from public web addresses (see CRM_IMPORT_URL_ALLOW); "
        f"the network may be unreachable. Check the URL, or download the files yourself and "
        f"upload them."
    )


def plain_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address as checked: IPv6 forms that carry an IPv4 address become that address."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return embedded
    return address


def checked_address(url: str, host: str, port: int, policy: UrlPolicy) -> str:
    """The address to connect to, after checking every address the host resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise refused(url) from None
    addresses = [info[4][0] for info in infos]
    try:
        if not addresses or not all(policy.allows(host, plain_address(a)) for a in addresses):
            raise refused(url)
    except ValueError:
        raise refused(url) from None
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a checked address, with the URL's host name in the Host header."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is verified against the URL's host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, dest: Path, policy: UrlPolicy, limit: int = MAX_DOWNLOAD_BYTES) -> str | None:
    """Save a URL's body to dest, following at most MAX_REDIRECTS redirects, each checked.
    Returns the Last-Modified header. FileNotFoundError on 404/410."""
    original, current = url, url
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise refused(original)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise refused(original) from None
        address = checked_address(original, parts.hostname, port, policy)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = kind(parts.hostname, port, address, policy.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", path, headers={"User-Agent": "img-taskforce-crm importer"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise refused(original)
                current = urljoin(current, location)
                continue
            if response.status in (404, 410):
                raise FileNotFoundError(original)
            if response.status != 200:
                raise SourceError(
                    f"Could not download {original}: the server answered "
                    f"{response.status} {response.reason}."
                )
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise SourceError(f"{original} is larger than {limit >> 20} MB.")
            copied = 0
            with open(dest, "wb") as out:
                while chunk := response.read(1 << 16):
                    copied += len(chunk)
                    if copied > limit:
                        raise SourceError(f"{original} is larger than {limit >> 20} MB.")
                    out.write(chunk)
            return response.getheader("Last-Modified")
        except (http.client.HTTPException, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            # Timeouts, refused connections, TLS failures and answers that are not HTTP all
            # read alike, so the message cannot tell ports or services apart.
            raise refused(original) from None
        finally:
            conn.close()
    raise refused(original)  # too many redirects


@contextmanager
def open_source(
    spec: str | os.PathLike,
    *,
    files: tuple[str, ...] = (),
    timeout: float = 30,
    stem_order: tuple[str, ...] = DATA_EXTENSIONS,
    cache: ParseCache | None = None,
    label: str | None = None,
    policy: UrlPolicy | None = None,
) -> Iterator[Source]:
    """A local folder for a folder path, a .zip archive, or a URL (of a .zip or of a folder
    holding `files`, tried in the order of `stem_order`). Temporary copies are removed after."""
    text = os.fspath(spec)
    label = label or text  # what reports call it (an upload's name, not its temporary path)
    if text.startswith(("http://", "https://")):
        policy = policy or UrlPolicy(timeout=timeout)
        with tempfile.TemporaryDirectory(prefix="crm-import-") as tmp:
            root = Path(tmp)
            if text.lower().split("?")[0].endswith(".zip"):
                archive = root / "download.zip"
                modified = download(text, archive, policy)
                yield Source(extract_zip(archive, root / "data"), text, modified, cache)
            elif not files:
                raise SourceError(
                    f"{text} is not a .zip archive: give the URL of a .zip of the data folder."
                )
            else:
                modified = download_files(text, files, root, policy, stem_order)
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


def download(url: str, dest: Path, policy: UrlPolicy) -> date | None:
    """Save one URL to dest; returns the Last-Modified date. Raises SourceError when the address
    is refused or does not answer, FileNotFoundError on 404."""
    modified = fetch(url, dest, policy)
    try:
        return parsedate_to_datetime(modified).date() if modified else None
    except (TypeError, ValueError):
        return None


def download_files(
    base: str, stems: tuple[str, ...], root: Path, policy: UrlPolicy, order: tuple[str, ...]
) -> date | None:
    """Fetch each file stem from a folder URL, in the first format the server has."""
    base = base if base.endswith("/") else base + "/"
    dates = []
    for stem in stems:
        for ext in order:
            try:
                dates.append(download(base + stem + ext, root / f"{stem}{ext}", policy))
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
            too_big = SourceError(f"The archive unpacks to more than {MAX_ARCHIVE_BYTES >> 20} MB.")
            if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
                raise too_big
            total = 0
            for member in members:
                path = safe_member(member.filename)
                if path is None or path.suffix.lower() not in DATA_EXTENSIONS:
                    continue
                if member.file_size > MAX_MEMBER_BYTES:
                    raise member_too_big(path)
                target = dest.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                # Counted while unpacking: the sizes an archive declares are its own claim.
                written = 0
                with zf.open(member) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        total += len(chunk)
                        if written > MAX_MEMBER_BYTES:
                            raise member_too_big(path)
                        if total > MAX_ARCHIVE_BYTES:
                            raise too_big
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"Not a readable .zip archive: {exc}.") from None
    dest.mkdir(parents=True, exist_ok=True)
    entries = [e for e in dest.iterdir()]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest


def member_too_big(path: PurePosixPath) -> SourceError:
    """The error for an archive member that unpacks to more than MAX_MEMBER_BYTES."""
    return SourceError(f"{path} in the archive unpacks to more than {MAX_MEMBER_BYTES >> 20} MB.")


def zip_date(archive: Path) -> date | None:
    """The date of the newest file in a zip archive, or None when it holds no files."""
    with zipfile.ZipFile(archive) as zf:
        stamps = [m.date_time for m in zf.infolist() if not m.is_dir()]
    return date(*max(stamps)[:3]) if stamps else None

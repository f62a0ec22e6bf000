"""The search index: one row of folded name forms per person, organization, issue and bill, and
one of folded text per interaction, kept right on every write by one flush hook (below) and by
`reindex` for the few writes that bypass the ORM (bulk imports, the data generator).

The tables are plain on both engines; what makes them searchable is engine-specific and lives
outside the models (see SEARCH_DDL): SQLite gets FTS5 tables over them (trigram for names, word
tokens for texts) filled by triggers, PostgreSQL gets GIN indexes (pg_trgm
for names, full-text for names and texts). Alembic's autogenerate ignores those (migrations/
env.py: `include_search_object`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from crm.extensions import db
from crm.models.directory import ASSEMBLY_STATES, Organization, Person, fold
from crm.models.interaction import Interaction
from crm.models.policy import Bill, Issue
from crm.nicknames import name_variants

NAME_KINDS = {Person: "person", Organization: "organization", Issue: "issue", Bill: "bill"}
# What each kind's document is made of: a change to any of these re-indexes the row.
NAME_FIELDS = {
    "person": (
        "first_name",
        "middle_name",
        "last_name",
        "nickname",
        "suffix",
        "full_name",
        "kind",
        "level",
        "chamber",
        "state",
    ),
    "organization": ("name",),
    "issue": ("name", "slug"),
    "bill": ("number", "title", "session"),
}
TEXT_FIELDS = ("subject", "notes")
WORD = re.compile(r"[^\W_]+")


class SearchName(db.Model):
    """The name forms of one record, folded: what the search box and the people pickers match."""

    __tablename__ = "search_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    names: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("kind", "record_id", name="uq_search_names_record"),)


class SearchText(db.Model):
    """An interaction's subject and notes, folded (who may read it is decided on the
    interaction, by Interaction.visible_to, never here)."""

    __tablename__ = "search_texts"

    interaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(sa.Text)


# ---- documents ----


def words(text: str | None) -> list[str]:
    """The folded words of a name, each as typed together ("o'brien" -> "obrien") and in its
    pieces ("o", "brien"), so either spelling of a query finds it."""
    out: list[str] = []
    for chunk in fold(text).split():
        pieces = WORD.findall(chunk)
        squashed = "".join(pieces)
        if squashed:
            out.append(squashed)
        if len(pieces) > 1:
            out += pieces
    return out


def query_words(q: str | None, limit: int = 6) -> list[str]:
    """A query's words as the name index holds them ("Marsh, Elena" -> marsh, elena; "Sen." ->
    sen); single letters are dropped (they would match nearly everyone)."""
    found = []
    for chunk in fold(q).split():
        squashed = "".join(WORD.findall(chunk))
        if len(squashed) >= 2 and squashed not in found:
            found.append(squashed)
    return found[:limit]


def text_words(q: str | None, limit: int = 6) -> list[str]:
    """A query's words as the text index tokenizes notes (letters and digits only)."""
    return list(dict.fromkeys(w for w in WORD.findall(fold(q)) if len(w) >= 2))[:limit]


def honorifics(person) -> list[str]:
    """How people address a legislator: "Sen. Marsh", "Rep. Ortiz", "Assemblymember Lee"."""
    if person.kind != "legislator":
        return []
    if person.chamber in ("upper", "unicameral"):
        return ["sen", "senator"]
    if person.chamber == "lower":
        if person.level == "federal":
            return ["rep", "representative", "congressman", "congresswoman", "congressmember"]
        if person.state in ASSEMBLY_STATES:
            return ["asm", "assemblymember", "assemblyman", "assemblywoman", "rep"]
        return ["rep", "representative", "del", "delegate"]
    return []


def person_names(person) -> list[str]:
    """Every name form of a person: given, middle, last and nicknames (the stored one and the
    nickname table's), the honorifics of their seat, and the display name's words."""
    forms = []
    for part in (person.first_name, person.nickname, person.middle_name):
        for word in words(part):
            forms += [word, *sorted(name_variants(word))]
    forms += words(person.last_name) + words(person.suffix) + words(person.full_name)
    return forms + honorifics(person)


def names_document(kind: str, row) -> str:
    """The names row for a record: its folded words once each, with a space before every word
    (so " mar" matches the start of a word in the trigram index) and one at the end."""
    if kind == "person":
        forms = person_names(row)
    elif kind == "organization":
        forms = words(row.name)
    elif kind == "issue":
        forms = words(row.name) + words((row.slug or "").replace("-", " "))
    else:  # bill
        forms = words(row.number) + words(row.title) + words(row.session)
    return " " + " ".join(dict.fromkeys(forms)) + " "


def text_document(row) -> str:
    """The folded text of a contact's subject and notes, as the search index keeps it."""
    return fold(" \n".join(t for t in (row.subject, row.notes) if t))


# ---- keeping it right ----

NAME_COLUMNS = {
    "person": (Person, ("id", *NAME_FIELDS["person"])),
    "organization": (Organization, ("id", "name")),
    "issue": (Issue, ("id", "name", "slug")),
    "bill": (Bill, ("id", "number", "title", "session")),
}


def chunked(ids: Iterable[int], size: int = 1000) -> Iterator[list[int]]:
    """The ids in lists of at most `size` (for IN clauses)."""
    ids = list(ids)
    for k in range(0, len(ids), size):
        yield ids[k : k + size]


def upsert(
    conn: sa.Connection, table: sa.Table, key: tuple[str, ...], rows: list[dict], column: str
):
    """INSERT the rows, or update their text where the key exists: one statement."""
    conn.execute(upsert_statement(table, tuple(rows[0]), key, column), rows)


@functools.cache
def upsert_statement(
    table: sa.Table, columns: tuple[str, ...], key: tuple[str, ...], column: str
) -> sa.TextClause:
    """upsert's statement, built once per table and columns: INSERT ... ON CONFLICT (key) DO
    UPDATE, which PostgreSQL and SQLite write alike. As text, because SQLAlchemy compiles its
    dialects' upserts anew at every run (their Insert has no cache key: `inherit_cache =
    False`), a tenth of a logged contact's CPU; the parameters keep their columns' types."""
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {column} = excluded.{column}"
    )
    return sa.text(sql).bindparams(*(sa.bindparam(c, type_=table.c[c].type) for c in columns))


def write_names(conn: sa.Connection, kind: str, rows: list) -> None:
    """Write (or rewrite) the names rows of these records."""
    if rows:
        upsert(
            conn,
            SearchName.__table__,
            ("kind", "record_id"),
            [{"kind": kind, "record_id": r.id, "names": names_document(kind, r)} for r in rows],
            "names",
        )


def write_texts(conn: sa.Connection, rows: list) -> None:
    """Write or refresh these contacts' search text in one statement."""
    if rows:
        upsert(
            conn,
            SearchText.__table__,
            ("interaction_id",),
            [{"interaction_id": r.id, "body": text_document(r)} for r in rows],
            "body",
        )


def drop_from_index(conn: sa.Connection, kind: str, ids: list[int]) -> None:
    """Remove these records of this kind from the search index."""
    if not ids:
        return
    if kind == "interaction":
        table = SearchText.__table__
        conn.execute(table.delete().where(table.c.interaction_id.in_(ids)))
    else:
        table = SearchName.__table__
        conn.execute(table.delete().where(table.c.kind == kind, table.c.record_id.in_(ids)))


def reindex(conn: sa.Connection, kind: str, ids: Iterable[int] | None = None) -> int:
    """Rebuild the index rows of these records (all of the kind when ids is None) from the
    database: for writes made without the ORM (bulk imports, generated data)."""
    if kind == "interaction":
        model, cols = Interaction, ("id", "subject", "notes")
    else:
        model, cols = NAME_COLUMNS[kind]
    columns = [getattr(model, c) for c in cols]
    done = 0
    if ids is None:
        table = SearchText.__table__ if kind == "interaction" else SearchName.__table__
        conn.execute(
            table.delete() if kind == "interaction" else table.delete().where(table.c.kind == kind)
        )
        last = 0
        while True:  # keyset pages: the whole log is never held in memory
            rows = conn.execute(
                sa.select(*columns).where(model.id > last).order_by(model.id).limit(5000)
            ).all()
            if not rows:
                return done
            insert_rows(conn, kind, rows)
            done += len(rows)
            last = rows[-1].id
    for part in chunked(ids):
        rows = conn.execute(sa.select(*columns).where(model.id.in_(part))).all()
        if kind == "interaction":
            write_texts(conn, rows)
        else:
            write_names(conn, kind, rows)
        done += len(rows)
    return done


def insert_rows(conn: sa.Connection, kind: str, rows: list) -> None:
    """Insert index rows for records that have none (a rebuild after the delete)."""
    if kind == "interaction":
        conn.execute(
            SearchText.__table__.insert(),
            [{"interaction_id": r.id, "body": text_document(r)} for r in rows],
        )
    else:
        conn.execute(
            SearchName.__table__.insert(),
            [{"kind": kind, "record_id": r.id, "names": names_document(kind, r)} for r in rows],
        )


def rebuild_index(conn: sa.Connection) -> dict[str, int]:
    """The whole index from the records (the migration's backfill, `flask crm reindex-search`)."""
    return {kind: reindex(conn, kind) for kind in (*NAME_COLUMNS, "interaction")}


def changed(obj, fields: tuple[str, ...]) -> bool:
    """True when any of these fields of the object changed in this session."""
    state = sa.inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in fields)


@event.listens_for(Session, "after_flush")
def keep_search_index(session: Session, _context) -> None:
    """Re-index every person, organization, issue, bill and interaction this flush added or
    whose indexed fields changed, and drop the rows of deleted ones, in the same transaction.
    (Soft deletes, trash and merges keep the row: the search reads the record's own deleted_at,
    so a restore needs nothing here.)"""
    names: dict[str, list] = {}
    texts = []
    gone: dict[str, list[int]] = {}
    for obj in (*session.new, *session.dirty):
        kind = NAME_KINDS.get(type(obj))
        if kind and (obj in session.new or changed(obj, NAME_FIELDS[kind])):
            names.setdefault(kind, []).append(obj)
        elif isinstance(obj, Interaction) and (obj in session.new or changed(obj, TEXT_FIELDS)):
            texts.append(obj)
    for obj in session.deleted:
        kind = "interaction" if isinstance(obj, Interaction) else NAME_KINDS.get(type(obj))
        if kind:
            gone.setdefault(kind, []).append(obj.id)
    if not (names or texts or gone):
        return
    conn = session.connection()
    for kind, rows in names.items():
        write_names(conn, kind, rows)
    write_texts(conn, texts)
    for kind, ids in gone.items():
        drop_from_index(conn, kind, ids)


# ---- the engine-specific parts (created with the tables, and by the migration) ----


def _sqlite_ddl(table: str, fts: str, key: str, column: str, options: str) -> list[str]:
    """An external-content FTS5 table over `table`, kept by triggers on it."""
    add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.{key}, new.{column});"
    remove = (
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.{key}, old.{column});"
    )
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
        f"{column}, content='{table}', content_rowid='{key}', {options})",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ai AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE ON {table} BEGIN {remove} {add} END",
    ]


# Per table: names match by trigrams (substrings, and candidates for misspellings), texts by
# whole words (accents and case folded before they are stored).
SEARCH_DDL = {
    "sqlite": {
        "search_names": _sqlite_ddl(
            "search_names", "search_fts_names", "id", "names", "tokenize='trigram'"
        ),
        "search_texts": _sqlite_ddl(
            "search_texts", "search_fts_texts", "interaction_id", "body", "tokenize='unicode61'"
        ),
    },
    "postgresql": {
        "search_names": [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX IF NOT EXISTS ix_search_fts_names_trgm ON search_names "
            "USING gin (names gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS ix_search_fts_names_words ON search_names "
            "USING gin (to_tsvector('simple'::regconfig, names))",
        ],
        # The words stored (generated) beside the text: a row's test is then a lookup, not a
        # parse of its notes, whichever plan PostgreSQL picks.
        "search_texts": [
            "ALTER TABLE search_texts ADD COLUMN IF NOT EXISTS search_fts_words tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
            "CREATE INDEX IF NOT EXISTS ix_search_fts_texts_words ON search_texts "
            "USING gin (search_fts_words)",
        ],
    },
}
SQLITE_DROP = {
    "search_names": "DROP TABLE IF EXISTS search_fts_names",
    "search_texts": "DROP TABLE IF EXISTS search_fts_texts",
}


def create_search_structures(conn: sa.Connection, table: str) -> None:
    """The FTS5 tables and triggers (SQLite) or GIN indexes (PostgreSQL) of one index table."""
    for statement in SEARCH_DDL.get(conn.dialect.name, {}).get(table, []):
        conn.exec_driver_sql(statement)


def drop_search_structures(conn: sa.Connection, table: str) -> None:
    """Drop SQLite's full-text table for this search table (nothing to drop on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(SQLITE_DROP[table])


def is_search_structure(name: str | None) -> bool:
    """The FTS5 tables (and their shadow tables), the GIN indexes and the generated words column
    the models do not declare."""
    return bool(name) and (name.startswith("search_fts_") or name.startswith("ix_search_fts_"))


for _table in (SearchName.__table__, SearchText.__table__):
    event.listen(
        _table,
        "after_create",
        lambda t, connection, **kw: create_search_structures(connection, t.name),
    )
    event.listen(
        _table,
        "before_drop",
        lambda t, connection, **kw: drop_search_structures(connection, t.name),
    )

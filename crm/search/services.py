"""One search for everything: people by any name form, organizations, issues, bills, and the
contacts the viewer may read (by subject and notes), from the index in crm/models/search.py.

Names match word by word from the start of a word ("Marsh, Elena", "Sen. Marsh", "RAY LUJ"); when
nothing matches that way the query is taken as misspelt and close spellings are offered
("villareal" finds Villarreal), by pg_trgm similarity on PostgreSQL and trigram candidates scored
with rapidfuzz on SQLite. Contacts match every word as a whole word and are read through
Interaction.visible_to: a private contact outside the viewer's audience is never a result, and
never counted."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql import Select

from crm.extensions import db
from crm.models import Bill, Interaction, Issue, Organization, Person, SearchName, SearchText, User
from crm.models.search import query_words, rebuild_index, text_words

GROUPS = ("person", "organization", "interaction", "issue", "bill")
LABELS = {
    "person": "People",
    "organization": "Organizations",
    "interaction": "Contacts",
    "issue": "Issues",
    "bill": "Bills",
}
# Counts past this are shown as "100+": counting every contact that mentions "budget" would cost
# more than the search itself.
COUNT_CAP = 100
# How close a misspelling must be (rapidfuzz ratio, 0-100; pg_trgm's word similarity is its own
# scale, 0.6 by default).
FUZZY_RATIO = 75
FUZZY_LIMIT = 50

FTS_NAMES = sa.table("search_fts_names", sa.column("rowid"), sa.column("rank"))
FTS_TEXTS = sa.table("search_fts_texts", sa.column("rowid"))
SIMPLE = sa.literal_column("'simple'::regconfig")


@dataclass
class Group:
    """The results of one kind (people, organizations, issues, bills, contacts) and their count."""

    kind: str
    items: list = field(default_factory=list)
    count: int = 0

    @property
    def label(self) -> str:
        """The kind of result in words, as the group's heading."""
        return LABELS[self.kind]

    @property
    def count_text(self) -> str:
        """The count, capped: e.g. "12" or "100+"."""
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


@dataclass
class Results:
    """What a search found, grouped by kind."""

    q: str
    groups: list[Group]
    close_spellings: bool = False  # nothing matched as typed; these are near misses

    @property
    def total(self) -> int:
        """How many results, across all groups (each group's count capped)."""
        return sum(g.count for g in self.groups)


def dialect() -> str:
    """The database engine's name ("sqlite" or "postgresql"); search differs by engine."""
    return db.session.get_bind().dialect.name


# ---- matching, per engine ----


def name_query(words: list[str]) -> str:
    """The name index's query for these words: every word as a word's start."""
    if dialect() == "postgresql":
        return " & ".join(f"{w}:*" for w in words)
    # A space then the word: in the trigram index that is "a word starting with it".
    return " AND ".join(f'" {w}"' for w in words)


def names_matching(kind: str | None, words: list[str]) -> Select:
    """(kind, record id) of names, of one kind or all, having every word as a word's start."""
    return names_where(kind, name_query(words))


def names_where(kind: str | None, query) -> Select:
    """names_matching for a name_query (its string, or a parameter bound to one)."""
    stmt = sa.select(SearchName.kind, SearchName.record_id)
    if kind:
        stmt = stmt.where(SearchName.kind == kind)
    if dialect() == "postgresql":
        return stmt.where(
            sa.func.to_tsvector(SIMPLE, SearchName.names).op("@@")(
                sa.func.to_tsquery(SIMPLE, query)
            )
        )
    fts = sa.select(FTS_NAMES.c.rowid).where(
        sa.literal_column("search_fts_names").op("MATCH")(query)
    )
    return stmt.where(SearchName.id.in_(fts))


def ids_matching(kind: str, query) -> Select:
    """The record ids of this kind whose names match a name_query (its string, or a parameter
    bound to one): every word as a word's start."""
    return names_where(kind, query).with_only_columns(SearchName.record_id)


def close_spellings(words: list[str], kinds: tuple[str, ...]) -> list[tuple[str, int]]:
    """(kind, record id) of names spelt close to the query, best first: candidates sharing
    trigrams with it from the index, then each scored the same way on both engines (for every
    query word, the rapidfuzz ratio of the closest word of the name; their mean)."""
    if dialect() == "postgresql":
        # Names with a word close to every query word (pg_trgm word similarity from the GIN
        # trigram index; a looser threshold than the default 0.6, which misses "adms" for
        # Adams: the scoring below decides).
        db.session.execute(sa.text("SET LOCAL pg_trgm.word_similarity_threshold = 0.3"))
        score = sum(sa.func.word_similarity(w, SearchName.names) for w in words)
        stmt = (
            sa.select(SearchName.kind, SearchName.record_id, SearchName.names)
            .where(
                *(sa.literal(w).op("<%")(SearchName.names) for w in words),
                SearchName.kind.in_(kinds),
            )
            .order_by(score.desc(), SearchName.id)
        )
    else:
        # Names sharing the most (rarest) trigrams with the query.
        grams = {f" {w}"[k : k + 3] for w in words for k in range(len(w) - 1)}
        grams = {g for g in grams if len(g) == 3}
        if not grams:
            return []
        query = " OR ".join(f'"{g}"' for g in sorted(grams))
        stmt = (
            sa.select(SearchName.kind, SearchName.record_id, SearchName.names)
            .join(FTS_NAMES, FTS_NAMES.c.rowid == SearchName.id)
            .where(
                sa.literal_column("search_fts_names").op("MATCH")(query),
                SearchName.kind.in_(kinds),
            )
            .order_by(FTS_NAMES.c.rank)
        )
    scored = []
    for kind, record_id, names in db.session.execute(stmt.limit(400)):
        doc = names.split()
        score = sum(max(fuzz.ratio(w, d) for d in doc) for w in words) / len(words)
        if score >= FUZZY_RATIO:
            scored.append((-score, kind, record_id))
    scored.sort()
    return [(kind, record_id) for _, kind, record_id in scored[:FUZZY_LIMIT]]


WORDS_COLUMN = sa.literal_column("search_texts.search_fts_words")
# Below this many matches a word is rare: its matches are read from the GIN index and sorted;
# above it, the newest contacts are read in order until enough match.
RARE = 2000


def texts_matching(stmt: Select, words: list[str]) -> Select | None:
    """Narrow a select over Interaction to those whose subject or notes have every word (whole
    words, accents and case folded), newest logged first; None when no text has them (then
    nobody's visibility needs deciding).

    Whole words, not prefixes: both engines then answer from their indexes and statistics (a
    prefix has no frequency estimate on PostgreSQL, and makes SQLite merge whole doclists)."""
    if dialect() == "postgresql":
        matches = WORDS_COLUMN.op("@@")(sa.func.to_tsquery(SIMPLE, " & ".join(words)))
        found = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(SearchText.interaction_id).where(matches).limit(RARE).subquery()
            )
        )
        if not found:
            return None
        stmt = stmt.join(SearchText, SearchText.interaction_id == Interaction.id).where(matches)
        if found < RARE:
            # "+ 0": not the primary key's order, so PostgreSQL reads the few matches from the
            # GIN index instead of walking the log newest first looking for them.
            return stmt.order_by((SearchText.interaction_id + 0).desc())
        return stmt.order_by(SearchText.interaction_id.desc())
    matches = sa.literal_column("search_fts_texts").op("MATCH")(
        " AND ".join(f'"{w}"' for w in words)
    )
    if db.session.scalar(sa.select(FTS_TEXTS.c.rowid).where(matches).limit(1)) is None:
        return None
    # Driven from the FTS table in rowid order: SQLite stops at the LIMIT instead of sorting
    # every match.
    return (
        stmt.join(FTS_TEXTS, FTS_TEXTS.c.rowid == Interaction.id)
        .where(matches)
        .order_by(FTS_TEXTS.c.rowid.desc())
    )


# ---- the records ----

MODELS = {"person": Person, "organization": Organization, "issue": Issue, "bill": Bill}


def live(kind: str, stmt: Select) -> Select:
    """The statement without deleted records, ordered as results of this kind are listed."""
    model = MODELS[kind]
    if kind == "person":
        stmt = stmt.where(Person.deleted_at.is_(None))
        return stmt.order_by(Person.in_office.desc(), Person.sort_name, Person.id)
    if kind == "organization":
        stmt = stmt.where(Organization.deleted_at.is_(None))
        return stmt.order_by(Organization.retired_at.is_not(None), Organization.name, model.id)
    if kind == "issue":
        return stmt.order_by(Issue.active.desc(), Issue.name)
    return stmt.order_by(Bill.jurisdiction, Bill.session.desc(), Bill.number)


def named_group(kind: str, ids, limit: int) -> Group:
    """A group of people, organizations, issues or bills whose ids are in `ids` (a select of
    ids, or a list from close_spellings: kept in that order)."""
    model = MODELS[kind]
    load = sa.select(model).options(joinedload(Person.organization)) if kind == "person" else None
    load = load if load is not None else sa.select(model)
    stmt = live(kind, load.where(model.id.in_(ids)))
    if isinstance(ids, list):
        order = {record_id: n for n, record_id in enumerate(ids)}
        items = sorted(
            db.session.scalars(stmt.limit(FUZZY_LIMIT)).unique(), key=lambda r: order[r.id]
        )
        return Group(kind, items[:limit], len(items))
    # The live ids in display order up to the cap (the count), then the rows shown.
    found = db.session.scalars(
        live(kind, sa.select(model.id).where(model.id.in_(ids))).limit(COUNT_CAP + 1)
    ).all()
    shown = found[:limit]
    order = {record_id: n for n, record_id in enumerate(shown)}
    items = db.session.scalars(live(kind, load.where(model.id.in_(shown)))).unique()
    return Group(kind, sorted(items, key=lambda r: order[r.id]), len(found))


def contacts_group(viewer: User, words: list[str], limit: int) -> Group:
    """Contacts the viewer may read whose subject or notes have the words (the count too is of
    readable ones only): one read of the newest ids up to the cap, then the few shown."""
    stmt = texts_matching(Interaction.visible_to(viewer), words)
    if stmt is None:
        return Group("interaction")
    ids = db.session.scalars(stmt.with_only_columns(Interaction.id).limit(COUNT_CAP + 1)).all()
    shown = ids[:limit]
    items = db.session.scalars(
        sa.select(Interaction)
        .where(Interaction.id.in_(shown))
        .order_by(Interaction.id.desc())
        .options(
            selectinload(Interaction.people),
            joinedload(Interaction.logged_by),
            joinedload(Interaction.organization),
        )
    ).all()
    return Group("interaction", list(items), len(ids))


def search(viewer: User, q: str, *, limit: int = 20) -> Results:
    """Everything the query finds that the viewer may see, grouped by kind with counts."""
    names, text = query_words(q), text_words(q)
    groups = {kind: Group(kind) for kind in GROUPS}
    close = False
    if names:
        # Which kinds have matches at all (one read of the small names index), then a read of
        # each of those.
        hit = set(
            db.session.scalars(
                names_matching(None, names).with_only_columns(SearchName.kind).distinct()
            )
        )
        for kind in MODELS:
            if kind in hit:
                groups[kind] = named_group(kind, ids_matching(kind, name_query(names)), limit)
    if text:
        groups["interaction"] = contacts_group(viewer, text, limit)
    if names and not any(g.count for g in groups.values()):
        found = close_spellings(names, tuple(MODELS))
        for kind in MODELS:
            ids = [i for k, i in found if k == kind]
            if ids:
                groups[kind] = named_group(kind, ids, limit)
        close = any(groups[k].count for k in MODELS)
    return Results(q, [groups[k] for k in GROUPS], close)


def find_people(q: str, limit: int = 12) -> list[Person]:
    """The people pickers: people by any name form, in office first; close spellings when
    nothing matches as typed."""
    names = query_words(q)
    if not names:
        return []
    group = named_group("person", ids_matching("person", name_query(names)), limit)
    if not group.count:
        ids = [i for _, i in close_spellings(names, ("person",))]
        group = named_group("person", ids, limit) if ids else group
    return group.items


def person_filter(query) -> sa.ColumnElement[bool]:
    """The directory's name filter for a name_query (its string, or a parameter bound to one):
    people whose names have every word (from the index)."""
    return Person.id.in_(ids_matching("person", query))


def rebuild() -> dict[str, int]:
    """Rebuild the whole index from the records (after a restore from backup, or writes made
    around the app): how many rows of each kind were indexed."""
    counts = rebuild_index(db.session.connection())
    db.session.commit()
    return counts

"""Long lists of choices (the members, the committees of a jurisdiction) rendered once per process
and reused while their rows are unchanged.

A page with such a list reads the rows' version (`version_columns`: how many there are, the sum
of their ids and the latest updated_at, which every insert, edit, deactivation and delete moves)
in one of its statements instead of the rows themselves; the rows are read and the HTML built only
when that version is new to this process. Rendering five hundred <option>s or checkboxes costs a
page milliseconds each time; a cached list costs a join of strings, with the chosen ones marked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape

from crm.extensions import db
from crm.models import User

CACHE_SIZE = 64  # lists kept per process (a jurisdiction's committees are one each)


@dataclass(frozen=True)
class Choices:
    """A list of choices as HTML: one fragment per choice, plain and marked as chosen."""

    index: dict  # value -> position
    plain: tuple[str, ...]
    marked: tuple[str, ...]

    def html(self, chosen: Iterable = ()) -> Markup:
        """The list with these values marked (selected, checked); unknown values are ignored."""
        parts = list(self.plain)
        for value in chosen:
            at = self.index.get(value)
            if at is not None:
                parts[at] = self.marked[at]
        return Markup("".join(parts))


def member_pairs() -> list[tuple[int, str]]:
    """The active members as (id, name), by name (User.listed): a form's member choices."""
    return [(i, name) for i, name in db.session.execute(User.listed())]


def option_tags(pairs: Iterable[tuple]) -> Choices:
    """<option> tags for (value, label) pairs."""
    return build(pairs, '<option value="{v}"{m}>{label}</option>', " selected")


def checkboxes(pairs: Iterable[tuple], name: str, prefix: str) -> Choices:
    """Bootstrap checkboxes named `name` for (value, label) pairs, ids `prefix` + value."""
    return build(
        pairs,
        f'<div class="form-check"><input class="form-check-input" type="checkbox" name="{name}" '
        f'value="{{v}}" id="{prefix}{{v}}"{{m}}><label class="form-check-label" '
        f'for="{prefix}{{v}}">{{label}}</label></div>',
        " checked",
    )


def build(pairs: Iterable[tuple], template: str, mark: str) -> Choices:
    """Choices from (value, label) pairs and a fragment template with {v}, {m} and {label}."""
    index, plain, marked = {}, [], []
    for value, label in pairs:
        v, label = escape(value), escape(label)
        index[value] = len(plain)
        plain.append(template.format(v=v, m="", label=label))
        marked.append(template.format(v=v, m=mark, label=label))
    return Choices(index, tuple(plain), tuple(marked))


def version_columns(model) -> tuple[sa.ColumnElement, ...]:
    """The version of the rows a select reads (add its WHERE): count, sum of ids, latest
    updated_at (as text, so it fits a UNION's text column)."""
    return (
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(model.id), 0),
        sa.cast(sa.func.max(model.updated_at), sa.String),
    )


def version(model, *where) -> tuple:
    """The version of the rows of `model` matching `where`, read on its own."""
    return tuple(db.session.execute(sa.select(*version_columns(model)).where(*where)).one())


_cache: OrderedDict[tuple, Choices] = OrderedDict()
_lock = threading.Lock()


def cached(key: tuple, version: tuple, render: Callable[[], Choices]) -> Choices:
    """The list `key` at `version`: from this process's cache, else `render()`ed and kept.
    The database is part of the key (tests and benchmarks switch databases in one process)."""
    full = (db.engine.url.render_as_string(hide_password=True), *key, *version)
    with _lock:
        found = _cache.get(full)
        if found is not None:
            _cache.move_to_end(full)
            return found
    choices = render()
    with _lock:
        _cache[full] = choices
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return choices

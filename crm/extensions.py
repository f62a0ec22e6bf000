"""Extension singletons, bound to the app in create_app()."""

import functools
import re
import sqlite3

from celery import Celery, Task
from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Constraint names are explicit so migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))


@event.listens_for(Engine, "connect")
def sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite only: a write-ahead log, so pages are read while a contact is being logged, with
    fsync at checkpoints rather than every commit (safe against corruption; a power cut may lose
    the last commits), and a wait for the write lock instead of "database is locked".

    Reads through a memory map (up to 256 MB) and a 64 MB page cache per connection: on the
    coalition-scale data (bench/) the directory, person page and dashboard cost 5-10 % less CPU
    than with the defaults (no map, 2 MB cache); either one alone gained nothing measurable."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute(f"PRAGMA mmap_size={256 * 1024 * 1024}")
        cursor.execute(f"PRAGMA cache_size=-{64 * 1024}")  # negative: KiB
        cursor.close()


# ---- ending a request's transaction ----
#
# psycopg forgets every prepared statement on ROLLBACK (and deallocates them on the server), so
# a connection whose requests all end in a rollback never keeps one: every statement of every
# request is parsed and planned again, which costs the database more than running them (the
# person page: 5.2 ms of PostgreSQL CPU a request, 1.5 ms with its statements kept). So a
# transaction that only read is ended with COMMIT, the same thing for a read; one that wrote,
# or may have, is still rolled back when nothing committed it.

# The key in a connection's info: a statement that may write ran in its transaction.
WROTE = "crm_wrote"
READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def may_write(statement: str) -> bool:
    """False for a plain read: SELECT or WITH, without a word that writes (a writing CTE,
    SELECT ... FOR UPDATE: may write). Remembered per statement: the app runs the same few
    hundred strings, some of them many kilobytes long."""
    return not READ.match(statement) or bool(WRITE_WORD.search(statement))


@event.listens_for(Engine, "before_cursor_execute")
def note_writes(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Mark the connection's transaction as written when the statement may write."""
    if may_write(statement):
        conn.info[WROTE] = True


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def transaction_ended(conn) -> None:
    """A new transaction starts unwritten."""
    conn.info.pop(WROTE, None)


def end_read_only_transaction(exc: BaseException | None) -> None:
    """At the end of an app context (a request, a CLI command): commit the session's
    transaction if it only read and nothing failed, so the connection keeps its prepared
    statements; anything else is left to the session's removal, which rolls it back. (Celery
    tasks remove their session before their context ends: they roll back as before.)"""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted or session.connection().info.get(WROTE):
        return
    session.commit()


def init_transactions(app: Flask) -> None:
    """Run end_read_only_transaction before Flask-SQLAlchemy removes the session (teardown
    functions run last registered first)."""
    app.teardown_appcontext(end_read_only_transaction)


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def celery_init_app(app: Flask) -> Celery:
    """The Flask pattern: every task runs inside an app context, with a fresh session."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

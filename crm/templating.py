"""Jinja filters and globals: local times, relative ages, labels, query-string helpers."""

from __future__ import annotations

import os
from datetime import date, datetime

from flask import Flask, current_app, request
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup

from crm import clock, models, options
from crm.contact import display_phone
from crm.text import render_markdown


def user_tz() -> str:
    """The signed-in user's time zone, else the site's."""
    # The proxy resolved once: a page of rows asks for the zone on each row.
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated:
        return user.timezone
    return current_app.config["TIMEZONE"]


def localtime(value: datetime | None, fmt: str = "%b %-d, %Y %-I:%M %p") -> str:
    """Template filter: the moment in the user's time zone, formatted."""
    if value is None:
        return ""
    return clock.local(value, user_tz()).strftime(fmt)


def localdate(value: datetime | date | None, fmt: str = "%b %-d, %Y") -> str:
    """Template filter: the date (of a moment, in the user's time zone), formatted."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value, user_tz())
    return value.strftime(fmt)


def days_ago(value: datetime | None, now: datetime | None = None) -> int | None:
    """How many of the user's days ago the moment was (negative in the future); None for None."""
    if value is None:
        return None
    now = now or clock.utcnow()
    tz = user_tz()
    return (clock.local_today(now, tz) - clock.local(value, tz).date()).days


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the user's days: "today", "yesterday", "12 days ago", "tomorrow",
    "in 3 days". The one way pages say it (never "0 days ago")."""
    days = days_ago(value, now)
    if days is None:
        return "never"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    if days < 0:
        return f"in {-days} days"
    return f"{days} days ago"


def collisions_by_person(collisions) -> list:
    """The collision guard's findings, one line per member (crm.assignments.services.by_person)."""
    from crm.assignments.collisions import by_person

    return by_person(list(collisions))


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k, vs in args.items() for v in vs])
    return f"{request.path}?{query}" if query else request.path


def select_options(choices, selected=None) -> Markup:
    """<option> tags for (value, label) pairs (crm.options.option_tags): a few hundred cost a
    Jinja loop milliseconds per page; built here they cost a fraction of one."""
    return options.option_tags(choices).html([selected])


def navigation() -> dict:
    """The main menu, by role."""
    items = [("main.dashboard", "Dashboard"), ("people.index", "Directory")]
    # No user outside a request (emails rendered by the worker or a service).
    if not getattr(current_user, "is_authenticated", False):
        return {"nav_items": items, "admin_items": []}
    items += [("work.my_work", "My work"), ("policy.index", "Issues"), ("reports.index", "Reports")]
    if current_user.is_coordinator:
        items += [("assignments.team", "Assignments"), ("campaigns.index", "Campaigns")]
    admin = []
    if current_user.is_admin:
        admin = [
            ("admin.users", "Users"),
            ("imports.index", "Imports"),
            ("admin.mailbox", "Mailbox"),
            ("admin.status", "Status"),
            ("history.audit", "Audit log"),
        ]
    return {"nav_items": items, "admin_items": admin}


def init_app(app: Flask) -> None:
    """Register the navigation context, template filters and globals, and the template cache."""
    app.context_processor(navigation)
    app.jinja_env.filters.update(
        localtime=localtime,
        localdate=localdate,
        ago=ago,
        markdown=render_markdown,
        phone=display_phone,
        collisions_by_person=collisions_by_person,
        first_name=lambda name: models.user.given_name(name or "") or name,
    )
    app.jinja_env.globals.update(
        url_with=url_with,
        select_options=select_options,
        PERSON_KINDS=models.PERSON_KINDS,
        LEVELS=models.LEVELS,
        CHAMBERS=models.CHAMBERS,
        TIERS=models.TIERS,
        STANCES=models.STANCES,
        INTERACTION_KINDS=models.INTERACTION_KINDS,
        ORG_KINDS=models.ORG_KINDS,
        PATHWAY_STATUSES=models.PATHWAY_STATUSES,
        ASSIGNMENT_STATUSES=models.ASSIGNMENT_STATUSES,
        PRIORITIES=models.PRIORITIES,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # Compiled templates kept on disk: a new worker (gunicorn restarts them) renders its first
    # pages without compiling every template again. Autoescaping stays as Flask sets it.
    cache_dir = os.path.join(app.instance_path, "jinja-cache")
    os.makedirs(cache_dir, exist_ok=True)
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(cache_dir)

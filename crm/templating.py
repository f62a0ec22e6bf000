"""Jinja filters and globals: local times, relative ages, labels, query-string helpers."""

from __future__ import annotations

import os
from datetime import date, datetime

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup, escape

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


TIME_FORMAT = "%b %-d, %Y %-I:%M %p"  # how pages show a moment: Dec 3, 2026 3:32 AM


def localtime(value: datetime | None, fmt: str = TIME_FORMAT) -> str:
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
    tz = user_tz()
    return day_count(clock.local_today(now or clock.utcnow(), tz), value, tz)


def day_count(today: date, value: datetime, tz: str) -> int:
    """Days from the moment's date in zone `tz` to `today` (a list reckons today once)."""
    return (today - clock.local(value, tz).date()).days


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the user's days: "today", "yesterday", "12 days ago", "tomorrow",
    "in 3 days". The one way pages say it (never "0 days ago")."""
    return days_said(days_ago(value, now))


def days_said(days: int | None) -> str:
    """ago's words for a number of days ago."""
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


# An id no row has: id_urls builds one URL with it and splits it where the id goes.
URL_MARK = 987654321


def id_urls(endpoint: str, arg: str):
    """url_for(endpoint, **{arg: id}), escaped for HTML, for many ids at the cost of one call: a
    list links each of its rows, and url_for costs more than the rest of a row's HTML."""
    head, _, tail = url_for(endpoint, **{arg: URL_MARK}).partition(str(URL_MARK))
    head, tail = escape(head), escape(tail)
    return lambda id: f"{head}{id}{tail}"


def feed_html(items, show_people: bool = True) -> Markup:
    """A list of contacts as <li> items (the caller holds the <ul>): the kind, the people and
    the organization linked, when, the subject, who logged it and the issues. Items are
    Interactions or crm.interactions.services.FeedItems (both have kind, private, people,
    organization, id, occurred_at, subject, logged_by and issues). Built here rather than by a
    macro: the dashboard's feeds and the person's timeline are the most rendered lists there
    are, and a macro costs about three times as much per item."""
    person_url = id_urls("people.show", "person_id")
    org_url = id_urls("organizations.show", "org_id")
    contact_url = id_urls("interactions.show", "interaction_id")
    tz = user_tz()
    kinds = models.INTERACTION_KINDS
    out = []
    for i in items:
        head = f'<span class="badge kind-badge">{escape(kinds.get(i.kind, i.kind))}</span>\n'
        if i.private:
            head += '<span class="badge text-bg-secondary">Private</span> '
        if show_people:
            head += ", ".join(
                f'<a href="{person_url(p.id)}">{escape(p.full_name)}</a>' for p in i.people
            )
        if i.organization:
            if i.people and show_people:
                head += " · "
            head += (
                f'<a class="feed-org" href="{org_url(i.organization.id)}">'
                f"{escape(i.organization.name)}</a>"
            )
        when = clock.local(i.occurred_at, tz)
        subject = f'<div class="fw-semibold mt-1">{escape(i.subject)}</div>' if i.subject else ""
        issues = (" · " + ", ".join(escape(s.name) for s in i.issues)) if i.issues else ""
        by = escape(getattr(i.logged_by, "name", ""))
        out.append(
            '<li class="list-group-item feed-item">\n'
            '  <div class="d-flex justify-content-between gap-2 flex-wrap">\n'
            f"    <div>\n      {head}    </div>\n"
            f'    <a class="small text-body-secondary" href="{contact_url(i.id)}">'
            f'<time datetime="{escape(i.occurred_at.isoformat())}">'
            f"{escape(when.strftime(TIME_FORMAT))}</time></a>\n"
            f"  </div>\n{subject}"
            f'  <div class="small text-body-secondary">by {by}{issues}</div>\n</li>\n'
        )
    return Markup("".join(out))


def party_badge(p) -> Markup:
    """A legislator's party as a colored letter, its name on hover (nothing for anyone else or
    an unknown party): a Person or a DirectoryRow; templates call it as the party_badge macro."""
    if p.kind != "legislator" or not p.party:
        return Markup("")
    return Markup(
        f'<span class="party party-{escape(p.party_letter.lower())}" '
        f'title="{escape(p.party_label or p.party)}">{escape(p.party_letter)}</span>'
    )


def directory_rows_html(rows) -> Markup:
    """The directory's table rows (crm.people.services.DirectoryRow): name linked, party and
    out-of-office badges, seat (under the name on a phone), tier, holder, last contact. Built
    here for the reason feed_html is: fifty rows on every directory page."""
    person_url = id_urls("people.show", "person_id")
    tz = user_tz()
    today = clock.local_today(clock.utcnow(), tz)  # days_ago's, once for the fifty rows
    kinds, tiers = models.PERSON_KINDS, models.TIERS
    out = []
    for p in rows:
        seat = escape(p.seat or kinds.get(p.kind))
        badge = party_badge(p)
        badges = f" {badge}" if badge else ""
        if not p.in_office:
            badges += ' <span class="badge text-bg-light">out of office</span>'
        if p.last_contacted_at:
            last = days_said(day_count(today, p.last_contacted_at, tz))
            if p.last_by_name:
                last += f'<span class="d-none d-md-inline"> by {escape(p.last_by_name)}</span>'
        else:
            last = '<span class="text-body-secondary">never</span>'
        shade = ' class="table-secondary"' if p.deleted_at else ""
        out.append(
            f"  <tr{shade}>\n"
            f'    <td><a class="fw-semibold" href="{person_url(p.id)}">{escape(p.full_name)}</a>'
            f"{badges}"
            f'      <div class="small text-body-secondary d-md-none">{seat}</div></td>\n'
            f'    <td class="small d-none d-md-table-cell">{seat}</td>\n'
            f'    <td class="d-none d-md-table-cell"><span class="tier tier-{escape(p.tier)}">'
            f"{escape(tiers.get(p.tier, p.tier))}</span></td>\n"
            f'    <td class="d-none d-md-table-cell small">{escape(p.holder_name or "")}</td>\n'
            f'    <td class="small">{last}</td>\n'
            "  </tr>\n"
        )
    return Markup("".join(out))


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
        feed_html=feed_html,
        directory_rows_html=directory_rows_html,
        party_badge_html=party_badge,
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

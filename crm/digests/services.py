"""The weekly digest: built per user with a fixed number of queries, sent once per ISO week at
the user's own local weekday and hour, never empty.

Member digest: my assignments due this week and overdue, my offices past their keep-in-touch
cadence, what I logged, positions that changed on issues I follow (issues of my recent contacts
and open assignments). Coordinator digest (coordinators and admins) adds the team: contacts by
member, overdue assignments by member, targets nobody has contacted, whip-board movement.
Everyone's digest also says what moved on the tracked bills (read once per run), which of the
new cosponsors are offices the recipient holds, and the Conrad 30 application windows opening
within 30 days in the states the recipient covers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from crm import clock
from crm.assignments.email_links import action_links
from crm.bills.moved import BillMove, bill_moves, my_cosponsors
from crm.conrad30.services import windows_opening
from crm.email import Summary, absolute_url, dispatch_ids, queue_email
from crm.extensions import db
from crm.forms import US_STATES
from crm.links.services import list_unsubscribe_headers
from crm.models import (
    STAFF_VIEW,
    Assignment,
    Interaction,
    Notification,
    Person,
    Position,
    User,
    interaction_issues,
)

LIST_LIMIT = 10
FOLLOW_DAYS = 90  # an issue I discussed or was assigned in the last 90 days is one I follow
WINDOW_DAYS = 30  # Conrad 30 application windows opening this soon are in the covering digest


@dataclass
class Team:
    """The coordinator's section of the weekly digest: the team's week."""

    contacts_by_member: list[tuple[str, int]] = field(default_factory=list)
    overdue_by_member: list[tuple[str, int]] = field(default_factory=list)
    untouched_targets: list[dict] = field(default_factory=list)
    untouched_total: int = 0
    movement: list[dict] = field(default_factory=list)
    movement_total: int = 0

    @property
    def empty(self) -> bool:
        """True when the team section has nothing to report."""
        return not (
            self.contacts_by_member
            or self.overdue_by_member
            or self.untouched_total
            or self.movement_total
        )


@dataclass
class Digest:
    """One member's weekly digest: their work, lapsed relationships, positions, bill moves."""

    user: User
    week: str  # ISO week, e.g. "2026-W10"
    today: date
    tz: str
    overdue: list[dict] = field(default_factory=list)
    due: list[dict] = field(default_factory=list)
    lapsed: list[dict] = field(default_factory=list)
    lapsed_total: int = 0
    logged: list[dict] = field(default_factory=list)
    logged_total: int = 0
    positions: list[dict] = field(default_factory=list)
    positions_total: int = 0
    bill_moves: list[BillMove] = field(default_factory=list)
    bill_moves_total: int = 0
    my_cosponsors: list[BillMove] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)  # Conrad 30 windows opening soon
    team: Team | None = None

    @property
    def empty(self) -> bool:
        """True when neither the member's part nor the team part has anything to report."""
        mine = (
            self.overdue
            or self.due
            or self.lapsed_total
            or self.logged_total
            or self.positions_total
            or self.bill_moves_total
            or self.windows
        )
        return not mine and (self.team is None or self.team.empty)

    @property
    def subject(self) -> str:
        """The email's subject line: the week and its overdue, due and logged counts."""
        parts = []
        if self.overdue:
            parts.append(f"{len(self.overdue)} overdue")
        if self.due:
            parts.append(f"{len(self.due)} due this week")
        if self.logged_total:
            noun = "contact" if self.logged_total == 1 else "contacts"
            parts.append(f"{self.logged_total} {noun} logged")
        label = "Team digest" if self.team is not None else "Your week"
        detail = ", ".join(parts) if parts else "what moved"
        return f"{label}, week of {self.today:%b %-d}: {detail}"


def iso_week(day: date) -> str:
    """The ISO week of this day, e.g. "2026-W10" (one digest per user and week)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_slot(user: User, now: datetime, catch_up: timedelta) -> tuple[str, datetime] | None:
    """(ISO week, scheduled time) when the user's digest is due now: their weekday and hour in
    their own time zone have come, within the catch-up window; None otherwise."""
    tz = ZoneInfo(clock.user_zone(user.timezone))
    local_day = clock.as_utc(now).astimezone(tz).date()
    monday = local_day - timedelta(days=local_day.weekday())
    for week_start in (monday, monday - timedelta(days=7)):  # the window may cross a week end
        day = week_start + timedelta(days=user.digest_weekday)
        scheduled = datetime.combine(day, time(user.digest_hour), tzinfo=tz)
        if scheduled <= now < scheduled + catch_up:
            return iso_week(day), scheduled.astimezone(clock.UTC)
    return None


def counted(stmt, limit: int = LIST_LIMIT):
    """The first `limit` rows plus the total, in one query (count() over ())."""
    rows = db.session.execute(stmt.add_columns(sa.func.count().over()).limit(limit)).all()
    return [r[0] for r in rows], (rows[0][-1] if rows else 0)


def recent_positions(since: datetime, *views) -> sa.Select:
    """Positions recorded since a time that count for the first of `views`, each with the
    previous stance of the same person on the same issue or bill as every view sees it (one
    column per view): the one read behind every digest's "positions that changed".

    The recent positions are picked first (a small set), each looking up its predecessor
    through the (person, issue) index; positions of deleted people are left out.
    """

    def previous(viewer) -> sa.ScalarSelect:
        prior = aliased(Position)
        return (
            sa.select(prior.stance)
            .where(
                prior.person_id == Position.person_id,
                # A position is about an issue or a bill: "=" on the NULL side is never true.
                sa.or_(prior.issue_id == Position.issue_id, prior.bill_id == Position.bill_id),
                prior.recorded_at < Position.recorded_at,
                Position.counts_for(viewer, prior),
            )
            .order_by(prior.recorded_at.desc())
            .limit(1)
            .correlate(Position)
            .scalar_subquery()
        )

    person_deleted = sa.exists().where(
        Person.id == Position.person_id, Person.deleted_at.is_not(None)
    )
    return (
        sa.select(Position, *(previous(v) for v in views))
        .where(Position.recorded_at >= since, Position.counts_for(views[0]), ~person_deleted)
        .order_by(Position.recorded_at.desc(), Position.id.desc())
        .options(joinedload(Position.person), joinedload(Position.issue), joinedload(Position.bill))
    )


def change_item(pos: Position, previous: str | None) -> dict:
    """A position change as a digest line: person, subject, new and previous stance."""
    from crm.models import STANCES

    return {
        "issue_id": pos.issue_id,
        "person": pos.person.full_name,
        "url": absolute_url("people.show", person_id=pos.person_id),
        "subject": pos.issue.name if pos.issue else (pos.bill.label if pos.bill else ""),
        "stance": STANCES.get(pos.stance, pos.stance),
        "previous": STANCES.get(previous, previous) if previous else None,
        "commitment": pos.commitment,
    }


def changed(rows) -> list[dict]:
    """The (position, previous stance) pairs whose stance differs from the previous one (a
    first position counts as a change), as digest items."""
    return [change_item(pos, prev) for pos, prev in rows if prev is None or prev != pos.stance]


def position_changes(since: datetime, viewer: User | None) -> list[dict]:
    """Every position recorded since a time, as the viewer may see it, whose stance differs
    from the person's previous one on the same issue or bill, newest first (one query)."""
    return changed(db.session.execute(recent_positions(since, viewer)).tuples())


class Week:
    """What every digest of one run shares, computed once on first use: the week's position
    changes and the team's figures (per local date). A run builds hundreds of digests; these
    parts are the same for all of them.

    Position changes are per recipient (a private contact's positions reach only its audience),
    yet shared: one read gives both the coordinators' view and the view of a member in no
    private contact's audience; only a member present at (or author of) a private contact with
    positions this week costs a read of their own."""

    def __init__(self, now: datetime):
        self.now, self.since = now, now - timedelta(days=7)
        self._views: dict | None = None
        self._own: dict[int, list[dict]] = {}
        self._teams: dict[date, Team] = {}
        self._bill_moves: list[BillMove] | None = None

    def bill_moves(self) -> list[BillMove]:
        """The week's changes on tracked bills (public record: the same for everyone)."""
        if self._bill_moves is None:
            self._bill_moves = bill_moves(self.since)
        return self._bill_moves

    def _shared_views(self) -> dict:
        if self._views is None:
            rows = db.session.execute(
                recent_positions(self.since, STAFF_VIEW, None)
                .add_columns(Interaction.private)
                .outerjoin(Interaction, Interaction.id == Position.interaction_id)
            ).all()
            private = {pos.interaction_id for pos, _, _, p in rows if p}
            # Members who may see one of these private positions get a read of their own (a
            # member left out here would only see less, never more).
            insiders = (
                {u for _, u in db.session.execute(Interaction.audience_of(private))}
                if private
                else set()
            )
            self._views = {
                "staff": changed((pos, prev) for pos, prev, _, _ in rows),
                "outsider": changed((pos, prev) for pos, _, prev, p in rows if not p),
                "insiders": insiders,
            }
        return self._views

    def changes(self, viewer: User | None = None) -> list[dict]:
        """The week's position changes as this recipient may see them (None: a member in no
        private contact's audience)."""
        views = self._shared_views()
        if viewer is not None and viewer.is_coordinator:
            return views["staff"]
        if viewer is None or viewer.id not in views["insiders"]:
            return views["outsider"]
        if viewer.id not in self._own:
            self._own[viewer.id] = position_changes(self.since, viewer)
        return self._own[viewer.id]

    def team(self, today: date) -> Team:
        """The team section for this local date, built on first use and shared by the run."""
        if today not in self._teams:
            self._teams[today] = build_team(self, today)
        return self._teams[today]


@functools.cache
def member_queries() -> dict:
    """The per-user statements, built once with bind parameters: a run executes them hundreds
    of times, and building a statement costs more than running these small queries."""
    user_id, today, week_end, since, until, follow_since = (
        sa.bindparam(name)
        for name in ("user_id", "today", "week_end", "since", "until", "follow_since")
    )
    over = sa.func.count().over()
    return {
        # My open assignments due within the week, and overdue ones (not snoozed).
        "assignments": (
            sa.select(Assignment)
            .where(
                Assignment.active(),
                Assignment.assignee_id == user_id,
                Assignment.due_on.is_not(None),
                Assignment.due_on < week_end,
                ~Assignment.is_snoozed(today),
            )
            .order_by(Assignment.due_on, Assignment.id)
            .options(joinedload(Assignment.person), joinedload(Assignment.organization))
        ),
        # People I hold whose keep-in-touch cadence has lapsed (first ones, and how many).
        "lapsed": (
            sa.select(Person, over)
            .where(
                Person.holder_id == user_id,
                Person.deleted_at.is_(None),
                Person.next_touch_due <= today,
            )
            .order_by(Person.next_touch_due, Person.sort_name)
            .limit(LIST_LIMIT)
        ),
        # What I logged this week (first ones, and how many; +1 query for their people).
        "logged": (
            sa.select(Interaction, over)
            .where(
                Interaction.logged_by_id == user_id,
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= since,
                Interaction.occurred_at <= until,
            )
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(LIST_LIMIT)
            .options(selectinload(Interaction.people), joinedload(Interaction.organization))
        ),
        # The issues I follow: those of my recent contacts and of my open assignments.
        "followed": sa.union(
            sa.select(interaction_issues.c.issue_id)
            .join(Interaction, Interaction.id == interaction_issues.c.interaction_id)
            .where(
                Interaction.logged_by_id == user_id,
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= follow_since,
            ),
            sa.select(Assignment.issue_id).where(
                Assignment.assignee_id == user_id,
                Assignment.active(),
                Assignment.issue_id.is_not(None),
            ),
        ),
    }


def build_digest(
    user: User, now: datetime, week: str | None = None, shared: Week | None = None
) -> Digest:
    """Everything this user's digest shows, as of `now`: 5 or 6 queries of its own (one for the
    Conrad 30 windows), plus the run's shared ones (`shared`: the position changes and the
    tracked bills' moves; 3 more once a coordinator's digest needs the team)."""
    shared = shared or Week(now)
    tz = clock.user_zone(user.timezone)
    today = clock.local_today(now, tz)
    digest = Digest(user=user, week=week or iso_week(today), today=today, tz=tz)
    q = member_queries()
    params = {
        "user_id": user.id,
        "today": today,
        "week_end": today + timedelta(days=7),
        "since": shared.since,
        "until": now,
        "follow_since": now - timedelta(days=FOLLOW_DAYS),
    }

    for a in db.session.scalars(q["assignments"], params).unique():
        item = {
            "title": a.title,
            "target": a.target_name,
            "due_on": a.due_on,
            "days": (a.due_on - today).days,
            "links": action_links(a, user),
        }
        (digest.overdue if a.due_on < today else digest.due).append(item)

    rows = db.session.execute(q["lapsed"], params).all()
    digest.lapsed_total = rows[0][1] if rows else 0
    digest.lapsed = [
        {
            "name": p.full_name,
            "seat": p.seat,
            "due": p.next_touch_due,
            "url": absolute_url("people.show", person_id=p.id),
        }
        for p, _ in rows
    ]

    rows = db.session.execute(q["logged"], params).all()
    digest.logged_total = rows[0][1] if rows else 0
    digest.logged = [
        {
            "when": clock.local(i.occurred_at, tz).date(),
            "kind": i.kind,
            "subject": i.subject,
            # Who was met: the people, then the organization contacted (if any).
            "people": ", ".join(
                [p.full_name for p in i.people if p.deleted_at is None]
                + ([i.organization.name] if i.organization is not None else [])
            ),
            "url": absolute_url("interactions.show", interaction_id=i.id),
        }
        for i, _ in rows
    ]

    followed = set(db.session.scalars(q["followed"], params))
    mine_moved = [c for c in shared.changes(user) if c["issue_id"] in followed]
    digest.positions, digest.positions_total = mine_moved[:LIST_LIMIT], len(mine_moved)

    moves = shared.bill_moves()
    digest.bill_moves, digest.bill_moves_total = moves[:LIST_LIMIT], len(moves)
    digest.my_cosponsors = my_cosponsors(moves, user.id)
    digest.windows = [
        {
            "state": US_STATES.get(y.state, y.state),
            "fiscal_year": y.fiscal_year,
            "opens": y.window_opens,
            "closes": y.window_closes,
            "days": (y.window_opens - today).days,
        }
        for y in windows_opening(user.id, today, WINDOW_DAYS)
    ]

    if user.is_coordinator:
        digest.team = shared.team(today)
    return digest


def build_team(shared: Week, today: date) -> Team:
    """The coordinator's part: the whole team's week (3 queries, and the shared changes)."""
    now, since = shared.now, shared.since
    team = Team()
    count = sa.func.count(Interaction.id)
    team.contacts_by_member = [
        tuple(r)
        for r in db.session.execute(
            sa.select(User.name, count)
            .join(Interaction, Interaction.logged_by_id == User.id)
            .where(
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= since,
                Interaction.occurred_at <= now,
            )
            .group_by(User.id, User.name)
            .order_by(count.desc(), User.name)
        )
    ]
    overdue = sa.func.count(Assignment.id)
    team.overdue_by_member = [
        tuple(r)
        for r in db.session.execute(
            sa.select(User.name, overdue)
            .join(Assignment, Assignment.assignee_id == User.id)
            .where(Assignment.overdue(today))
            .group_by(User.id, User.name)
            .order_by(overdue.desc(), User.name)
        )
    ]
    targets, team.untouched_total = counted(
        sa.select(Person)
        .where(
            Person.tier == "target",
            Person.in_office.is_(True),
            Person.deleted_at.is_(None),
            Person.last_contacted_at.is_(None),
        )
        .order_by(Person.sort_name)
    )
    team.untouched_targets = [
        {"name": p.full_name, "seat": p.seat, "url": absolute_url("people.show", person_id=p.id)}
        for p in targets
    ]
    movement = shared.changes(STAFF_VIEW)
    team.movement, team.movement_total = movement[:LIST_LIMIT], len(movement)
    return team


def digest_context(digest: Digest) -> dict:
    """The template variables of a digest email (absolute links, unsubscribe URL)."""
    return {
        "d": digest,
        "bill_url": lambda bill_id: absolute_url("bills.show", bill_id=bill_id),
        "preview_url": absolute_url("digests.preview"),
        "settings_url": absolute_url("settings.profile"),
        "unsubscribe_url": list_unsubscribe_headers(digest.user, "digest")[
            "List-Unsubscribe"
        ].strip("<>"),
    }


def queue_digest(digest: Digest, now: datetime) -> Notification | None:
    """Put a built digest in the ledger under (user, ISO week); None if already there."""
    user = digest.user
    return queue_email(
        to_email=user.email,
        kind="digest",
        subject_key=f"user:{user.id}",
        occurrence=digest.week,
        template="digest",
        subject=digest.subject,
        context=digest_context(digest),
        recipient=user,
        now=now,
        headers=list_unsubscribe_headers(user, "digest"),
    )


def dispatch_digests(now: datetime, dry_run: bool = False, deliver: bool = True) -> Summary:
    """Send this week's digest to every user whose local digest time has come, once per ISO
    week (the ledger key decides, so two dispatchers at once send one); never an empty one."""
    summary = Summary()
    catch_up = timedelta(hours=current_app.config["DIGEST_CATCH_UP_HOURS"])
    users = db.session.scalars(
        sa.select(User)
        .where(User.is_active.is_(True), User.digest_enabled.is_(True))
        .order_by(User.id)
    ).all()
    due = [(u, slot[0]) for u in users if (slot := digest_slot(u, now, catch_up))]
    if not due:
        return summary
    sent_before = set(
        db.session.execute(
            sa.select(Notification.subject_key, Notification.occurrence).where(
                Notification.kind == "digest",
                Notification.occurrence.in_(sorted({week for _, week in due})),
            )
        ).tuples()
    )
    shared = Week(now)
    for user, week in due:
        if (f"user:{user.id}", week) in sent_before:
            summary.skipped += 1
            continue
        digest = build_digest(user, now, week=week, shared=shared)
        if digest.empty:
            summary.skipped += 1
            continue
        if dry_run:
            summary.queued += 1
            continue
        row = queue_digest(digest, now)
        db.session.commit()
        if row is None:  # another dispatcher queued it meanwhile
            summary.skipped += 1
        else:
            summary.ids.append(row.id)
    summary.queued += len(summary.ids)
    if deliver:
        dispatch_ids(summary.ids)
    return summary

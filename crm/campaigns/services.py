"""Campaigns: a coordinator's saved target list (the directory's filters, or the organizations
list's: every state's Conrad 30 office), a plan that proposes an assignee per target by one of
four strategies, bulk assignment, and progress with coverage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from crm import audit
from crm.assignments.collisions import Collision, find_collisions
from crm.assignments.services import AssignmentData, build, queue_notices, record_created
from crm.clock import local_today
from crm.email import dispatch
from crm.errors import DomainError, NotAllowed
from crm.extensions import db
from crm.lists.services import filter_of, get_list
from crm.models import (
    PRIORITIES,
    Assignment,
    Bill,
    Campaign,
    Interaction,
    Issue,
    Organization,
    Person,
    User,
)
from crm.organizations.services import OrgFilter
from crm.people.filters import DirectoryFilter, filter_from_dict

STRATEGIES = {
    "state": "A member from the target's state",
    "holder": "The relationship holder",
    "round_robin": "Round-robin among the chosen members",
    "hand": "By hand",
}
CAMPAIGN_STATUSES = {"active": "Active", "closed": "Closed"}
FIELDS = (
    "name",
    "goal",
    "issue_id",
    "bill_id",
    "starts_on",
    "ends_on",
    "status",
    "target_filter",
    "saved_list_id",
)
MAX_TARGETS = 2000
ALL_MEMBERS_UP_TO = 40  # a plan row offers every member up to this many, else a shortlist
# target_filter's key for a campaign whose targets are organizations (the value: an OrgFilter).
ORGANIZATIONS = "organizations"
TargetFilter = DirectoryFilter | OrgFilter


@dataclass
class CampaignData:
    """A campaign's fields as a form or the API submits them."""

    name: str
    target_filter: TargetFilter
    goal: str | None = None
    issue_id: int | None = None
    bill_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    status: str = "active"
    # The saved list the targets came from; kept only while target_filter is that list's filter.
    saved_list_id: int | None = None


def require_coordinator(actor: User) -> None:
    """Raise NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators run campaigns.")


def get_campaign(campaign_id: int, viewer: User) -> Campaign:
    """The campaign; LookupError if missing, or deleted and the viewer no coordinator."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or (campaign.deleted_at is not None and not viewer.is_coordinator):
        raise LookupError(campaign_id)
    return campaign


def saved_filter(campaign: Campaign) -> TargetFilter:
    """The campaign's targets: its saved list's filter as the list is now, else its own (of
    people, or of organizations)."""
    saved = campaign.target_filter or {}
    if ORGANIZATIONS in saved:
        return OrgFilter.from_dict(saved[ORGANIZATIONS])
    if campaign.saved_list is not None:
        return filter_of(campaign.saved_list.query)
    return filter_from_dict(saved)


def targets_organizations(campaign: Campaign) -> bool:
    """Whether the campaign's targets are organizations rather than people."""
    return ORGANIZATIONS in (campaign.target_filter or {})


def filter_from_args(args) -> TargetFilter:
    """The target filter a builder form or link carries: organizations with targets=organizations,
    else the directory's filters."""
    if args.get("targets") == ORGANIZATIONS:
        return OrgFilter.from_args(args)
    return DirectoryFilter.from_args(args)


def stored(flt: TargetFilter) -> dict:
    """A target filter as Campaign.target_filter keeps it."""
    return {ORGANIZATIONS: flt.to_dict()} if isinstance(flt, OrgFilter) else flt.to_dict()


def linked_list(actor: User, data: CampaignData) -> int | None:
    """The saved list the campaign follows: one the actor may open whose filter is the one
    chosen (filters changed in the builder after picking the list make it the campaign's own)."""
    if not data.saved_list_id or isinstance(data.target_filter, OrgFilter):
        return None
    try:
        saved = get_list(data.saved_list_id, actor)
    except LookupError:
        return None
    return saved.id if filter_of(saved.query).to_dict() == data.target_filter.to_dict() else None


def check(data: CampaignData) -> None:
    """Normalize the name and raise DomainError on a bad field or a campaign without filters."""
    data.name = (data.name or "").strip()
    if not data.name or len(data.name) > 200:
        raise DomainError("Name the campaign (up to 200 characters).", field="name")
    if data.status not in CAMPAIGN_STATUSES:
        raise DomainError("Choose a status.", field="status")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError("The campaign cannot end before it starts.", field="ends_on")
    if data.issue_id and db.session.get(Issue, data.issue_id) is None:
        raise DomainError("That issue does not exist.", field="issue_id")
    if data.bill_id and db.session.get(Bill, data.bill_id) is None:
        raise DomainError("That bill does not exist.", field="bill_id")
    if not data.target_filter.active:
        raise DomainError(
            "Choose at least one filter: a campaign for the whole directory is not a target list."
        )


def save_campaign(
    actor: User, campaign: Campaign | None, data: CampaignData, now: datetime
) -> Campaign:
    """Create a campaign, or change its details and target filter (coordinators)."""
    require_coordinator(actor)
    check(data)
    before = audit.snapshot(campaign, FIELDS) if campaign else None
    if campaign is None:
        campaign = Campaign(created_by_id=actor.id)
        db.session.add(campaign)
    for key in FIELDS[:-2]:
        setattr(campaign, key, getattr(data, key))
    campaign.target_filter = stored(data.target_filter)
    campaign.saved_list_id = linked_list(actor, data)
    db.session.flush()
    audit.record_saved(actor, campaign, before, FIELDS, now)
    db.session.commit()
    return campaign


def delete_campaign(actor: User, campaign: Campaign, now: datetime) -> None:
    """Soft-delete the campaign (its assignments stay, as ordinary work)."""
    require_coordinator(actor)
    campaign.deleted_at = now
    audit.record(actor, "delete", campaign, now=now)
    db.session.commit()


def restore_campaign(actor: User, campaign: Campaign, now: datetime) -> None:
    """Bring back a deleted campaign (coordinators)."""
    require_coordinator(actor)
    campaign.deleted_at = None
    audit.record(actor, "restore", campaign, now=now)
    db.session.commit()


# ---- targets and preview ----


@dataclass
class Preview:
    """How many people a target filter matches, and the first of them."""

    total: int
    people: list[Person]
    organizations: list[Organization] = field(default_factory=list)


def preview(flt: TargetFilter, now: datetime, viewer: User, *, limit: int = 25) -> Preview:
    """How many people (or organizations) the filter selects, and the first few: two queries."""
    if isinstance(flt, OrgFilter):
        base = flt.apply(sa.select(Organization))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
        return Preview(total, [], list(db.session.scalars(flt.order(base).limit(limit))))
    base = flt.apply(sa.select(Person), now, viewer=viewer)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    people = list(
        db.session.scalars(flt.order(base).options(joinedload(Person.holder)).limit(limit))
    )
    return Preview(total, people)


def assigned_in(campaign_id: int, *, organizations: bool = False):
    """People (or organizations) who already have (non-cancelled) work in this campaign."""
    target = Assignment.organization_id if organizations else Assignment.person_id
    return sa.select(target).where(
        Assignment.campaign_id == campaign_id,
        Assignment.deleted_at.is_(None),
        Assignment.status != "cancelled",
        target.is_not(None),
        *((Assignment.person_id.is_(None),) if organizations else ()),
    )


def unassigned_targets(
    campaign: Campaign, now: datetime, viewer: User
) -> list[Person] | list[Organization]:
    """The campaign's targets that nobody has been given yet, in the filter's order."""
    flt = saved_filter(campaign)
    if isinstance(flt, OrgFilter):
        stmt = flt.order(flt.apply(sa.select(Organization))).where(
            Organization.id.not_in(assigned_in(campaign.id, organizations=True))
        )
    else:
        stmt = flt.order(flt.apply(sa.select(Person), now, viewer=viewer)).where(
            Person.id.not_in(assigned_in(campaign.id))
        )
    return list(db.session.scalars(stmt.limit(MAX_TARGETS + 1)))


# ---- strategies: pure functions of targets and members, so they are deterministic ----


@dataclass(frozen=True)
class Target:
    """A campaign target as the assignment strategies see it."""

    id: int
    state: str | None = None
    holder_id: int | None = None


@dataclass(frozen=True)
class Member:
    """A member who can be given work, as the assignment strategies see them."""

    id: int
    home_state: str | None = None


def propose(strategy: str, targets: list[Target], members: list[Member]) -> dict[int, int | None]:
    """An assignee (or None) for each target, in target order.

    round_robin deals targets to members in id order, so 100 targets over 7 members gives
    15/15/14/14/14/14/14; state deals each state's targets among that state's members the same
    way; holder keeps the relationship holder when they are among the members; hand proposes
    nobody.
    """
    if strategy not in STRATEGIES:
        raise DomainError("Choose how to assign.", field="strategy")
    pool = sorted(members, key=lambda m: m.id)
    ids = {m.id for m in pool}
    if strategy == "round_robin":
        if not pool:
            raise DomainError("Choose the members to share the targets among.", field="members")
        return {t.id: pool[n % len(pool)].id for n, t in enumerate(targets)}
    if strategy == "state":
        by_state: dict[str, list[int]] = defaultdict(list)
        for m in pool:
            if m.home_state:
                by_state[m.home_state].append(m.id)
        dealt: dict[str, int] = defaultdict(int)
        out: dict[int, int | None] = {}
        for t in targets:
            in_state = by_state.get(t.state or "")
            if in_state:
                out[t.id] = in_state[dealt[t.state] % len(in_state)]
                dealt[t.state] += 1
            else:
                out[t.id] = None
        return out
    if strategy == "holder":
        return {t.id: t.holder_id if t.holder_id in ids else None for t in targets}
    return {t.id: None for t in targets}


@dataclass
class PlanRow:
    """One target in a plan (a person, or an organization), the member proposed for it and the
    collisions."""

    person: Person | None
    assignee_id: int | None
    collisions: list[Collision] = field(default_factory=list)
    organization: Organization | None = None  # the target, in a campaign of organizations

    @property
    def target_id(self) -> int:
        """The id of the person or organization targeted."""
        return self.person.id if self.person is not None else self.organization.id

    @property
    def state(self) -> str:
        """The target's state: a person's, or a state organization's jurisdiction."""
        if self.person is not None:
            return self.person.state or ""
        return "" if self.organization.jurisdiction == "US" else self.organization.jurisdiction

    @property
    def holder_id(self) -> int | None:
        """The member who holds the person's relationship (organizations have none)."""
        return self.person.holder_id if self.person is not None else None


@dataclass
class Plan:
    """Who would get which unassigned target under a strategy, before the coordinator confirms."""

    strategy: str
    rows: list[PlanRow]
    members: list  # (id, name, home_state) of every active member, by name
    chosen: list = field(default_factory=list)  # the members the coordinator picked, if any
    truncated: bool = False  # more targets wait than one plan shows (MAX_TARGETS)
    warning: str | None = None  # why the strategy asked for could not run

    def __post_init__(self):
        self.by_id = {m.id: m for m in self.members}
        self.by_state: dict[str, list] = defaultdict(list)
        for m in self.members:
            self.by_state[m.home_state or ""].append(m)

    @property
    def proposed(self) -> int:
        """How many targets the plan gives to a member."""
        return sum(1 for r in self.rows if r.assignee_id)

    def name_of(self, user_id: int | None) -> str | None:
        """The name of this member, or None when not an active member."""
        member = self.by_id.get(user_id)
        return member.name if member else None

    def options(self, row: PlanRow) -> list:
        """Who a row's select offers: the chosen members; with none chosen, everyone in a small
        coalition, else the members from the target's state and its holder; always the one
        proposed. (All 500 members on each of 500 rows would make a 12 MB page.)"""
        if self.chosen or len(self.members) <= ALL_MEMBERS_UP_TO:
            pool = list(self.chosen or self.members)
        else:
            pool = [
                *self.by_state.get(row.state, []),
                *([self.by_id[row.holder_id]] if row.holder_id in self.by_id else []),
            ]
        if row.assignee_id in self.by_id:
            pool.append(self.by_id[row.assignee_id])
        return sorted({m.id: m for m in pool}.values(), key=lambda m: (m.name, m.id))

    def counts(self) -> list[tuple[str, int]]:
        """Targets proposed per member (name, count), busiest first."""
        tally: dict[int, int] = defaultdict(int)
        for r in self.rows:
            if r.assignee_id:
                tally[r.assignee_id] += 1
        return sorted(((self.name_of(k) or "?", v) for k, v in tally.items()), key=lambda x: -x[1])


def active_members() -> list:
    """(id, name, home_state) of every active member, by name."""
    return list(
        db.session.execute(
            sa.select(User.id, User.name, User.home_state)
            .where(User.is_active.is_(True))
            .order_by(User.name)
        )
    )


def plan(
    viewer: User,
    campaign: Campaign,
    strategy: str,
    member_ids: list[int],
    now: datetime,
    *,
    picked: dict[int, int] | None = None,
) -> Plan:
    """Propose an assignee for each unassigned target, with collisions to look at; nothing is
    saved. Members chosen narrow the pool; none chosen means every active member. A strategy
    that cannot run (round robin among nobody) gives a plan by hand with a warning; `picked`
    (target -> member, as chosen on the page) replaces the proposal where given."""
    try:
        return propose_plan(viewer, campaign, strategy, member_ids, now, picked)
    except DomainError as e:
        result = propose_plan(viewer, campaign, "hand", member_ids, now, picked)
        result.warning = e.message
        return result


def propose_plan(viewer, campaign, strategy, member_ids, now, picked) -> Plan:
    """Propose assignees for the campaign's unassigned targets (coordinators), with collisions."""
    require_coordinator(viewer)
    targets = unassigned_targets(campaign, now, viewer)
    truncated = len(targets) > MAX_TARGETS
    targets = targets[:MAX_TARGETS]
    if targets_organizations(campaign):
        # An organization's state is its jurisdiction; it has no holder, and collisions are
        # about people, so there are none to show.
        rows = [PlanRow(None, None, organization=o) for o in targets]
        hits = {}
    else:
        rows = [PlanRow(p, None) for p in targets]
        hits = find_collisions(viewer, [p.id for p in targets], now, for_user_id=None)
    everyone = active_members()
    chosen = [m for m in everyone if m.id in set(member_ids)] if member_ids else everyone
    proposal = propose(
        strategy,
        [Target(r.target_id, r.state or None, r.holder_id) for r in rows],
        [Member(m.id, m.home_state) for m in chosen],
    )
    if picked is not None:
        proposal = picked
    for row in rows:
        row.assignee_id = proposal.get(row.target_id)
        row.collisions = hits.get(row.target_id, [])
    return Plan(strategy, rows, everyone, chosen if member_ids else [], truncated)


@dataclass
class BulkResult:
    """The assignments a bulk hand-out created, and how many targets it skipped."""

    created: list[Assignment]
    skipped: int


def bulk_assign(
    actor: User,
    campaign: Campaign,
    pairs: list[tuple[int, int]],
    *,
    title: str,
    due_on: date | None,
    priority: str,
    now: datetime,
) -> BulkResult:
    """Create one assignment per (target, member) pair in one transaction, and notify each member
    once. Targets already assigned in this campaign are skipped, so a repeated submit adds none."""
    require_coordinator(actor)
    title = (title or "").strip() or campaign.name
    if len(title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    if priority not in PRIORITIES:
        raise DomainError("Choose a priority.", field="priority")
    if due_on is not None and not 2000 <= due_on.year <= 2100:
        raise DomainError("That date is out of range.", field="due_on")
    wanted = {pid: uid for pid, uid in pairs if uid}
    if not wanted:
        raise DomainError("Choose a member for at least one target.")
    members = set(
        db.session.scalars(
            sa.select(User.id).where(User.id.in_(set(wanted.values())), User.is_active.is_(True))
        )
    )
    if set(wanted.values()) - members:
        raise DomainError("One of the members chosen is not active any more.")
    organizations = targets_organizations(campaign)
    model = Organization if organizations else Person
    targets = set(
        db.session.scalars(
            sa.select(model.id).where(model.id.in_(wanted), model.deleted_at.is_(None))
        )
    )
    target_column = Assignment.organization_id if organizations else Assignment.person_id
    already = set(
        db.session.scalars(
            assigned_in(campaign.id, organizations=organizations).where(target_column.in_(wanted))
        )
    )
    created = [
        build(
            actor.id,
            AssignmentData(
                title=title,
                assignee_id=uid,
                person_id=None if organizations else pid,
                organization_id=pid if organizations else None,
                campaign_id=campaign.id,
                issue_id=campaign.issue_id,
                bill_id=campaign.bill_id,
                due_on=due_on,
                priority=priority,
                source="campaign",
            ),
        )
        for pid, uid in wanted.items()
        if pid in targets and pid not in already
    ]
    if created:
        record_created(actor, created, now)
        rows = queue_notices(actor, created, now)
        db.session.commit()
        dispatch(rows)
    return BulkResult(created, len(wanted) - len(created))


# ---- progress ----


@dataclass
class MemberProgress:
    """One member's work on a campaign: assigned, contacted, done, overdue."""

    user_id: int
    name: str
    assigned: int
    contacted: int
    done: int
    overdue: int


@dataclass
class Progress:
    """A campaign's progress: its targets, their work, and each member's share."""

    today: date
    targets: int
    targets_contacted: int
    unassigned: int
    assigned: int
    contacted: int
    done: int
    overdue: int
    cancelled: int
    members: list[MemberProgress]

    def share(self, part: int, whole: int | None = None) -> int:
        """This part as a whole percentage of the whole (of the targets by default)."""
        whole = self.targets if whole is None else whole
        return round(100 * part / whole) if whole else 0


def organization_contacted(organization_id, since) -> sa.ColumnElement[bool]:
    """An organization was contacted at or after `since` (by anyone): a live contact logged
    against it (ix_interactions_organization), or a contact with someone there (their last
    contact, as touch_people keeps it)."""
    # An alias: the progress query joins Person (a person target) and must not correlate it.
    someone = aliased(Person, name="someone_there")
    return sa.or_(
        sa.exists().where(
            Interaction.organization_id == organization_id,
            Interaction.occurred_at >= since,
            Interaction.deleted_at.is_(None),
        ),
        sa.exists().where(
            someone.organization_id == organization_id,
            someone.deleted_at.is_(None),
            someone.last_contacted_at >= since,
        ),
    )


def progress(campaign: Campaign, now: datetime, tz: str, viewer: User) -> Progress:
    """Assigned, contacted (since assigned, by anyone), done and overdue, per member and in all;
    coverage of the target list since the campaign began. Three queries."""
    today = local_today(now, tz)
    organizations = targets_organizations(campaign)
    if organizations:
        contacted = organization_contacted(Assignment.organization_id, Assignment.created_at)
    else:
        contacted = Person.last_contacted_at >= Assignment.created_at
    live = sa.and_(Assignment.campaign_id == campaign.id, Assignment.shown())

    def n(cond):
        return sa.func.count(sa.case((cond, 1)))

    rows = db.session.execute(
        sa.select(
            User.id,
            User.name,
            n(Assignment.status != "cancelled"),
            n(sa.and_(Assignment.status != "cancelled", contacted)),
            n(Assignment.status == "done"),
            n(Assignment.overdue(today)),
            n(Assignment.status == "cancelled"),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.assignee_id)
        .outerjoin(Person, Person.id == Assignment.person_id)
        .where(live)
        .group_by(User.id, User.name)
        .order_by(User.name)
    ).all()
    members = [MemberProgress(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows if r[2]]
    flt = saved_filter(campaign)
    since = campaign.starts_on or campaign.created_at.date()
    since_at = datetime(since.year, since.month, since.day, tzinfo=now.tzinfo)
    if isinstance(flt, OrgFilter):
        targets = flt.apply(sa.select(Organization.id)).subquery()
        reached_since = organization_contacted(targets.c.id, since_at)
    else:
        targets = flt.apply(
            sa.select(Person.id, Person.last_contacted_at), now, viewer=viewer
        ).subquery()
        reached_since = targets.c.last_contacted_at >= since_at
    total, reached, unassigned = db.session.execute(
        sa.select(
            sa.func.count(),
            n(reached_since),
            n(targets.c.id.not_in(assigned_in(campaign.id, organizations=organizations))),
        ).select_from(targets)
    ).one()
    return Progress(
        today=today,
        targets=total,
        targets_contacted=reached,
        unassigned=unassigned,
        assigned=sum(m.assigned for m in members),
        contacted=sum(m.contacted for m in members),
        done=sum(m.done for m in members),
        overdue=sum(m.overdue for m in members),
        cancelled=sum(r[6] for r in rows),
        members=members,
    )


@dataclass
class CampaignRow:
    """A campaign in the list, with its assigned and done counts."""

    campaign: Campaign
    assigned: int
    done: int


def list_campaigns() -> list[CampaignRow]:
    """Campaigns, newest first, with assigned and done counts: one query."""
    counts = (
        sa.select(
            Assignment.campaign_id,
            sa.func.count(sa.case((Assignment.status != "cancelled", 1))).label("assigned"),
            sa.func.count(sa.case((Assignment.status == "done", 1))).label("done"),
        )
        .where(Assignment.shown(), Assignment.campaign_id.is_not(None))
        .group_by(Assignment.campaign_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Campaign, sa.func.coalesce(counts.c.assigned, 0), sa.func.coalesce(counts.c.done, 0)
        )
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .where(Campaign.deleted_at.is_(None))
        .options(joinedload(Campaign.issue), joinedload(Campaign.bill))
        .order_by(Campaign.status, Campaign.created_at.desc(), Campaign.id.desc())
    ).all()
    return [CampaignRow(c, a, d) for c, a, d in rows]


def campaign_choices() -> dict:
    """Issues and bills for the campaign form."""
    issues = list(
        db.session.execute(
            sa.select(Issue.id, Issue.name).where(Issue.active.is_(True)).order_by(Issue.name)
        )
    )
    bills = list(
        db.session.scalars(
            sa.select(Bill).order_by(Bill.jurisdiction, Bill.session.desc(), Bill.number)
        )
    )
    return {"issues": issues, "bills": bills}

"""Advocacy days: create a day, choose its members and target offices, propose or edit the
schedule, each member's schedule and calendar, and the debrief that turns every meeting into a
logged contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from crm import audit
from crm.clock import as_utc, from_local
from crm.errors import DomainError, NotAllowed
from crm.events import schedule as planner
from crm.extensions import db
from crm.models import Bill, Issue, Office, Person, Position, User
from crm.models.events import AdvocacyDay, DayMeeting, DayTarget

DAY_FIELDS = (
    "name",
    "day",
    "place",
    "timezone",
    "starts",
    "ends",
    "meeting_minutes",
    "min_gap_minutes",
    "issue_id",
    "bill_id",
    "notes",
)


def require_coordinator(actor: User) -> None:
    """Raises NotAllowed unless the actor is a coordinator."""
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators plan advocacy days.")


def get_day(day_id: int) -> AdvocacyDay:
    """One advocacy day with its members and issue; raises LookupError when there is none."""
    day = db.session.get(
        AdvocacyDay,
        day_id,
        options=[selectinload(AdvocacyDay.members), joinedload(AdvocacyDay.issue)],
    )
    if day is None:
        raise LookupError(day_id)
    return day


def list_days() -> list[AdvocacyDay]:
    """Every advocacy day, latest first."""
    return list(db.session.scalars(sa.select(AdvocacyDay).order_by(AdvocacyDay.day.desc())))


def clean_day(data: dict) -> dict:
    """A day's form data, trimmed and checked; raises DomainError naming the field."""
    out = {k: data.get(k) for k in DAY_FIELDS}
    out["name"] = (out["name"] or "").strip()
    if not out["name"]:
        raise DomainError("Give the day a name.", field="name")
    if not isinstance(out["day"], date):
        raise DomainError("Choose the date.", field="day")
    try:
        ZoneInfo(out["timezone"] or "")
    except (KeyError, ValueError):
        raise DomainError("Choose a time zone.", field="timezone") from None
    if not out["starts"] or not out["ends"] or out["ends"] <= out["starts"]:
        raise DomainError("The day ends after it starts.", field="ends")
    if not 10 <= (out["meeting_minutes"] or 0) <= 240:
        raise DomainError("Meetings last 10 to 240 minutes.", field="meeting_minutes")
    if not 0 <= (out["min_gap_minutes"] or 0) <= 120:
        raise DomainError("A gap of 0 to 120 minutes.", field="min_gap_minutes")
    for key, model in (("issue_id", Issue), ("bill_id", Bill)):
        if out[key] and db.session.get(model, out[key]) is None:
            raise DomainError("Unknown issue or bill.", field=key)
        out[key] = out[key] or None
    out["place"] = (out["place"] or "").strip() or None
    out["notes"] = (out["notes"] or "").strip() or None
    return out


def save_day(
    actor: User, day: AdvocacyDay | None, data: dict, member_ids: list[int], now: datetime
) -> AdvocacyDay:
    """Create or edit a day and who attends it."""
    require_coordinator(actor)
    values = clean_day(data)
    members = list(db.session.scalars(sa.select(User).where(User.id.in_(member_ids or [0]))))
    if len(members) != len(set(member_ids)):
        raise DomainError("One of the members chosen does not exist.", field="members")
    before = audit.snapshot(day, DAY_FIELDS) if day else None
    if day is None:
        day = AdvocacyDay(created_by_id=actor.id, **values)
        db.session.add(day)
    else:
        for key, value in values.items():
            setattr(day, key, value)
    day.members = members
    db.session.flush()
    after = {**audit.snapshot(day, DAY_FIELDS), "members": sorted(member_ids)}
    if before is None:
        audit.record(actor, "create", day, after=after, now=now)
    else:
        b, a = audit.changes(before, after)
        if a:
            audit.record(actor, "update", day, b, a, now)
    db.session.commit()
    return day


def add_targets(
    actor: User,
    day: AdvocacyDay,
    *,
    person_ids: list[int] = (),
    states: list[str] = (),
    chamber: str | None = None,
    now: datetime,
) -> int:
    """Add target offices: people by id, or every member of Congress in office from some states
    (one chamber or both). Returns how many were added."""
    require_coordinator(actor)
    wanted = set(person_ids)
    if states:
        stmt = sa.select(Person.id).where(
            Person.kind == "legislator",
            Person.level == "federal",
            Person.in_office.is_(True),
            Person.deleted_at.is_(None),
            Person.state.in_([s.upper() for s in states]),
        )
        if chamber in ("upper", "lower"):
            stmt = stmt.where(Person.chamber == chamber)
        wanted |= set(db.session.scalars(stmt))
    existing = {t.person_id for t in day.targets}
    found = set(db.session.scalars(sa.select(Person.id).where(Person.id.in_(wanted or [0]))))
    if wanted - found:
        raise DomainError("One of the offices chosen does not exist.", field="people")
    new = sorted(found - existing)
    for pid in new:
        day.targets.append(DayTarget(person_id=pid))
    if new:
        audit.record(actor, "update", day, after={"targets_added": new}, now=now)
    db.session.commit()
    return len(new)


def remove_target(actor: User, day: AdvocacyDay, person_id: int, now: datetime) -> None:
    """Take an office off the day's targets (coordinators; audited), and commit."""
    require_coordinator(actor)
    for t in list(day.targets):
        if t.person_id == person_id:
            day.targets.remove(t)
            audit.record(actor, "update", day, after={"target_removed": person_id}, now=now)
    db.session.commit()


def offices_of(person_ids: list[int]) -> dict[int, planner.Office]:
    """Each office with the building and room of its Capitol address, in two queries."""
    people = dict(
        db.session.execute(
            sa.select(Person.id, Person.state).where(Person.id.in_(person_ids or [0]))
        ).all()
    )
    addresses: dict[int, str] = {}
    for pid, address in db.session.execute(
        sa.select(Office.person_id, Office.address)
        .where(Office.person_id.in_(person_ids or [0]), Office.kind == "capitol")
        .order_by(Office.position)
    ):
        addresses.setdefault(pid, address)
    out = {}
    for pid, state in people.items():
        building, room = planner.place_of(addresses.get(pid))
        out[pid] = planner.Office(pid, state, building, room)
    return out


def day_bounds(day: AdvocacyDay) -> tuple[datetime, datetime]:
    """When the day's meetings may start and must end, as aware UTC."""
    start = from_local(datetime.combine(day.day, day.starts), day.timezone)
    end = from_local(datetime.combine(day.day, day.ends), day.timezone)
    return start, end


def propose_schedule(actor: User, day: AdvocacyDay, now: datetime) -> planner.Proposal:
    """Replace the meetings not yet logged with a proposed schedule."""
    require_coordinator(actor)
    logged = {m.person_id for m in day.meetings if m.interaction_id}
    for m in list(day.meetings):
        if not m.interaction_id:
            day.meetings.remove(m)
    offices = offices_of([t.person_id for t in day.targets])
    todo = [offices[t.person_id] for t in day.targets if t.person_id not in logged]
    members = [planner.Member(u.id, u.home_state) for u in day.members]
    start, end = day_bounds(day)
    proposal = planner.propose(todo, members, start, end, day.meeting_minutes, day.min_gap_minutes)
    users = {u.id: u for u in day.members}
    for slot in proposal.meetings:
        day.meetings.append(
            DayMeeting(
                person_id=slot.office.id,
                starts_at=slot.starts,
                ends_at=slot.ends,
                building=slot.office.building,
                room=slot.office.room,
                lead_id=slot.lead,
                members=[users[i] for i in slot.members],
            )
        )
    audit.record(
        actor,
        "update",
        day,
        after={"proposed": len(proposal.meetings), "unplaced": len(proposal.unplaced)},
        now=now,
    )
    db.session.commit()
    return proposal


def add_meeting(
    actor: User,
    day: AdvocacyDay,
    *,
    person_id: int,
    starts: time,
    member_ids: list[int],
    lead_id: int | None,
    room: str | None,
    now: datetime,
) -> DayMeeting:
    """Schedule one meeting by hand (conflicts are shown on the day's page, not refused)."""
    require_coordinator(actor)
    if db.session.get(Person, person_id) is None:
        raise DomainError("Choose an office.", field="person_id")
    attending = [u for u in day.members if u.id in set(member_ids)]
    if not attending:
        raise DomainError("Choose who attends: members of the day.", field="members")
    if lead_id and lead_id not in {u.id for u in attending}:
        raise DomainError("The lead is one of those attending.", field="lead_id")
    begins = from_local(datetime.combine(day.day, starts), day.timezone)
    office = offices_of([person_id])[person_id]
    meeting = DayMeeting(
        person_id=person_id,
        starts_at=begins,
        ends_at=begins + timedelta(minutes=day.meeting_minutes),
        building=office.building,
        room=(room or "").strip() or office.room,
        lead_id=lead_id or attending[0].id,
        members=attending,
    )
    day.meetings.append(meeting)
    db.session.flush()
    audit.record(
        actor,
        "create",
        meeting,
        after={"person_id": person_id, "starts_at": begins.isoformat()},
        now=now,
    )
    db.session.commit()
    return meeting


def delete_meeting(actor: User, meeting: DayMeeting, now: datetime) -> None:
    """Delete a meeting (coordinators; audited), and commit; raises DomainError when it has been
    logged."""
    require_coordinator(actor)
    if meeting.interaction_id:
        raise DomainError("This meeting was logged; its contact stays in the log.")
    audit.record(actor, "delete", meeting, before={"person_id": meeting.person_id}, now=now)
    db.session.delete(meeting)
    db.session.commit()


def get_meeting(meeting_id: int) -> DayMeeting:
    """One day meeting; raises LookupError when there is none."""
    meeting = db.session.get(DayMeeting, meeting_id)
    if meeting is None:
        raise LookupError(meeting_id)
    return meeting


def as_slots(meetings: list[DayMeeting]) -> list[planner.Slot]:
    """Scheduled meetings as the planner's slots."""
    return [
        planner.Slot(
            planner.Office(m.person_id, None, m.building, m.room),
            as_utc(m.starts_at),
            as_utc(m.ends_at),
            [u.id for u in m.members],
            m.lead_id,
        )
        for m in meetings
    ]


@dataclass
class DayPage:
    """What a day's page shows: its meetings, members' conflicts, targets not yet scheduled, and
    how many meetings were logged and moved a position."""

    day: AdvocacyDay
    meetings: list[DayMeeting]
    conflicts: list[tuple[User, DayMeeting, DayMeeting, str]]
    unscheduled: list[Person]
    logged: int
    positions_moved: int
    by_member: dict[int, int] = field(default_factory=dict)


def day_page(day: AdvocacyDay, viewer: User | None = None) -> DayPage:
    """The day's schedule with its conflicts and progress, in a fixed number of queries (the
    positions counted are those the viewer may see; None: a member in no private audience)."""
    meetings = list(
        db.session.scalars(
            sa.select(DayMeeting)
            .where(DayMeeting.day_id == day.id)
            .options(
                joinedload(DayMeeting.person),
                joinedload(DayMeeting.lead),
                selectinload(DayMeeting.members),
            )
            .order_by(DayMeeting.starts_at, DayMeeting.id)
        )
    )
    slots = as_slots(meetings)
    slot_of = {id(s): m for s, m in zip(slots, meetings, strict=True)}
    users = {u.id: u for m in meetings for u in m.members}
    problems = [
        (users[member], slot_of[id(a)], slot_of[id(b)], kind)
        for member, a, b, kind in planner.conflicts(slots, day.min_gap_minutes)
    ]
    met = {m.person_id for m in meetings}
    targets = list(
        db.session.scalars(
            sa.select(Person)
            .join(DayTarget, DayTarget.person_id == Person.id)
            .where(DayTarget.day_id == day.id)
            .order_by(Person.state, Person.sort_name)
        )
    )
    interaction_ids = [m.interaction_id for m in meetings if m.interaction_id]
    moved = 0
    if interaction_ids:
        moved = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Position)
            .where(Position.interaction_id.in_(interaction_ids), Position.counts_for(viewer))
        )
    counts: dict[int, int] = {}
    for m in meetings:
        for u in m.members:
            counts[u.id] = counts.get(u.id, 0) + 1
    return DayPage(
        day=day,
        meetings=meetings,
        conflicts=problems,
        unscheduled=[p for p in targets if p.id not in met],
        logged=len(interaction_ids),
        positions_moved=moved,
        by_member=counts,
    )


def member_schedule(day: AdvocacyDay, user: User) -> list[DayMeeting]:
    """A member's meetings of the day, in order."""
    return [m for m in day_page(day).meetings if user.id in {u.id for u in m.members}]


def debrief(
    actor: User,
    meeting: DayMeeting,
    *,
    outcome: str | None,
    notes: str | None,
    stance: str | None,
    commitment: str | None,
    now: datetime,
):
    """Log the meeting as a contact (who, when, kind and issue filled in from the schedule),
    with a position when one was stated; done once per meeting, by its lead or a coordinator."""
    from crm.interactions.services import InteractionData, log_interaction
    from crm.policy.positions import PositionInput, Subject

    if not (actor.is_coordinator or actor.id in {u.id for u in meeting.members}):
        raise NotAllowed("Only those at the meeting, or a coordinator, log it.")
    if meeting.interaction_id:
        return meeting.interaction
    day = meeting.day
    subject = (
        Subject("issue", day.issue_id)
        if day.issue_id
        else Subject("bill", day.bill_id)
        if day.bill_id
        else None
    )
    positions = []
    if stance and subject is not None:
        positions.append(
            PositionInput(meeting.person_id, subject, stance, (commitment or "").strip() or None)
        )
    interaction = log_interaction(
        actor,
        InteractionData(
            people=[meeting.person_id],
            occurred_at=min(as_utc(meeting.starts_at), now),
            kind="meeting",
            subject=f"{day.name}: meeting",
            notes=(notes or "").strip() or None,
            outcome=(outcome or "").strip() or None,
            members=[u.id for u in meeting.members],
            issues=[day.issue_id] if day.issue_id else [],
            bills=[day.bill_id] if day.bill_id else [],
            positions=positions,
        ),
        now,
        submission_key=f"advocacy-day-meeting-{meeting.id}",
    )
    meeting.interaction_id = interaction.id
    db.session.commit()
    return interaction


def member_ics(day: AdvocacyDay, user: User, base_url: str) -> bytes:
    """A member's meetings of the day as an iCalendar file."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//IMG Taskforce CRM//advocacy day//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", day.name)
    for m in member_schedule(day, user):
        ev = Event()
        ev.add("uid", f"day-meeting-{m.id}@img-taskforce-crm")
        ev.add("dtstamp", as_utc(m.starts_at))
        ev.add("dtstart", as_utc(m.starts_at))
        ev.add("dtend", as_utc(m.ends_at))
        ev.add("summary", f"Meeting: {m.person.full_name}")
        where = " ".join(x for x in (m.room, m.building) if x)
        if where:
            ev.add("location", where)
        with_whom = ", ".join(u.name for u in m.members)
        ev.add("description", f"With {with_whom}. Lead: {m.lead.name if m.lead else ''}.")
        ev.add("url", f"{base_url}/people/{m.person_id}/brief")
        cal.add_component(ev)
    return cal.to_ical()

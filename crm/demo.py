"""A believable demo coalition on top of the real directory (the bundled congress-legislators
snapshot, and Open States where given), showing every feature on first run: work open, due soon,
overdue, snoozed and done; a campaign under way; keep-in-touch cadences; positions that moved
this week; commitments kept and not kept; private contacts; a digest to preview.

People are invented only where the public data has none (legislative staff, agency officials):
named like people, marked as fictional in their notes, with example.org addresses. Every record
has a stable key, so running the seed again changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.auth.services import create_user, find_user
from crm.clock import local_today
from crm.extensions import db
from crm.interactions.services import InteractionData, log_interaction
from crm.models import (
    STANCES,
    Bill,
    FollowUpTemplate,
    Interaction,
    Issue,
    Organization,
    Person,
    Position,
    StaffRole,
    User,
)
from crm.policy.positions import PositionInput, Subject, add_position, mark_commitment

DEMO_PASSWORD = "taskforce-demo-2026"
FICTIONAL = "Fictional person created by the demo seed."

MEMBERS = [
    # email, name, role, home state, time zone, organization
    ("admin@example.org", "Amara Okafor", "admin", "DC", "America/New_York", "IMG Taskforce"),
    (
        "coordinator@example.org",
        "Rahul Mehta",
        "coordinator",
        "TX",
        "America/Chicago",
        "IMG Taskforce",
    ),
    (
        "lena.fischer@example.org",
        "Lena Fischer",
        "coordinator",
        "NY",
        "America/New_York",
        "Fischer Immigration Law",
    ),
    ("member@example.org", "Maria Santos", "member", "FL", "America/New_York", "Santos & Lee LLP"),
    (
        "tunde.adeyemi@example.org",
        "Dr. Tunde Adeyemi",
        "member",
        "TN",
        "America/Chicago",
        "Rural Health Physicians of TN",
    ),
    (
        "priya.raman@example.org",
        "Dr. Priya Raman",
        "member",
        "WI",
        "America/Chicago",
        "Wisconsin IMG Association",
    ),
    (
        "omar.haddad@example.org",
        "Omar Haddad",
        "member",
        "TX",
        "America/Chicago",
        "Haddad Immigration",
    ),
    (
        "grace.kim@example.org",
        "Dr. Grace Kim",
        "member",
        "CA",
        "America/Los_Angeles",
        "Central Valley Clinic",
    ),
    (
        "samuel.osei@example.org",
        "Samuel Osei",
        "member",
        "NY",
        "America/New_York",
        "Osei Law Group",
    ),
    (
        "ana.lopez@example.org",
        "Dr. Ana López",
        "member",
        "FL",
        "America/New_York",
        "South Florida Residents Network",
    ),
    (
        "david.cohen@example.org",
        "David Cohen",
        "member",
        "OH",
        "America/New_York",
        "Cohen Visa Counsel",
    ),
    (
        "fatima.zahra@example.org",
        "Dr. Fatima Zahra",
        "member",
        "MI",
        "America/Detroit",
        "Michigan Physicians for Access",
    ),
]

ISSUES = [
    (
        "conrad-30",
        "Conrad 30 reauthorization",
        "Reauthorize and expand the Conrad State 30 J-1 visa waiver program for physicians who "
        "serve in shortage areas.",
    ),
    (
        "green-card-backlog",
        "Green-card backlog and visa retrogression",
        "Relief for physicians stuck in employment-based green-card backlogs.",
    ),
    (
        "h1b-cap-exemption",
        "Physician H-1B cap exemption",
        "Exempt physicians serving underserved areas from the H-1B cap.",
    ),
    (
        "state-licensure",
        "State IMG licensure pathways",
        "Provisional licences for internationally trained physicians without a US residency.",
    ),
]

BILLS = [
    (
        "US",
        "119",
        "H.R. 1585",
        "Conrad State 30 and Physician Access Reauthorization Act",
        "lower",
        date(2025, 2, 25),
        "Referred to the House Committee on the Judiciary",
        ["conrad-30"],
    ),
    (
        "US",
        "118",
        "S. 665",
        "Conrad State 30 and Physician Access Reauthorization Act",
        "upper",
        None,
        "Referred to the Senate Committee on the Judiciary",
        ["conrad-30"],
    ),
]

AGENCIES = [
    # key, name, kind, jurisdiction
    ("demo:uscis", "U.S. Citizenship and Immigration Services (USCIS)", "federal_agency", "US"),
    ("demo:dos-ca", "U.S. Department of State, Bureau of Consular Affairs", "federal_agency", "US"),
    (
        "demo:dol-eta",
        "U.S. Department of Labor, Employment and Training Administration",
        "federal_agency",
        "US",
    ),
    (
        "demo:hhs-hrsa",
        "HHS Health Resources and Services Administration (HRSA)",
        "federal_agency",
        "US",
    ),
    (
        "demo:tx-dshs",
        "Texas Department of State Health Services, Conrad 30 program",
        "state_agency",
        "TX",
    ),
    ("demo:fl-doh", "Florida Department of Health, Conrad 30 program", "state_agency", "FL"),
    ("demo:ny-doh", "New York State Department of Health, Conrad 30 program", "state_agency", "NY"),
    ("demo:tn-doh", "Tennessee Department of Health, Conrad 30 program", "state_agency", "TN"),
    (
        "demo:wi-dhs",
        "Wisconsin Department of Health Services, Conrad 30 program",
        "state_agency",
        "WI",
    ),
    ("demo:tn-bme", "Tennessee Board of Medical Examiners", "medical_board", "TN"),
    ("demo:tx-tmb", "Texas Medical Board", "medical_board", "TX"),
    ("demo:fl-bom", "Florida Board of Medicine", "medical_board", "FL"),
]

OFFICIALS = [
    # organization key, first, last, title
    ("demo:uscis", "Harriet", "Vance", "Policy Analyst, Office of Policy and Strategy (fictional)"),
    ("demo:dos-ca", "Miguel", "Arroyo", "Waiver Review Division Liaison (fictional)"),
    ("demo:dol-eta", "Colleen", "Brandt", "Foreign Labor Certification Specialist (fictional)"),
    ("demo:hhs-hrsa", "Desmond", "Achebe", "Shortage Designation Branch Lead (fictional)"),
    ("demo:tx-dshs", "Beatriz", "Calloway", "Conrad 30 Coordinator (fictional)"),
    ("demo:fl-doh", "Trevor", "Nakamura", "Conrad 30 Coordinator (fictional)"),
    ("demo:ny-doh", "Yvonne", "Castellano", "Conrad 30 Program Manager (fictional)"),
    ("demo:tn-doh", "Wendell", "Pruitt", "Conrad 30 Coordinator (fictional)"),
    ("demo:wi-dhs", "Ingrid", "Solberg", "Primary Care Office Director (fictional)"),
    ("demo:tn-bme", "Loretta", "Haskins", "Executive Director (fictional)"),
    ("demo:tx-tmb", "Abel", "Quintero", "Licensure Policy Counsel (fictional)"),
    ("demo:fl-bom", "Naomi", "Beaumont", "Board Liaison (fictional)"),
]

# Invented staffers (the public datasets list no staff), named like people: each legislator's
# health and immigration assistants get a distinct first and last name from these lists.
STAFF_FIRST = (
    "Avery Jordan Casey Morgan Riley Quinn Taylor Skyler Reese Parker Hannah Marcus Leah Julian "
    "Nora Elliot Priya Tomas Ines Caleb Maya Dmitri Sofia Andre Grace Mateo Chloe Isaac Amira "
    "Felix Rosa Declan Yara Owen Lucia Tariq Esme Victor Alana Kofi"
).split()
STAFF_LAST = (
    "Whitfield Delacroix Okonkwo Lindqvist Marchetti Abernathy Vasquez Holloway Tanaka Sorensen "
    "Brennan Castillo Nakamura Ferreira Lundgren Adebayo Kowalczyk Moreau Haddad Sullivan Ortega "
    "Mbeki Novak Laurent Fitzgerald Iqbal Rasmussen Calloway Duarte Petrov Albright Quintero "
    "Ashford Bergstrom Kimura Oyelaran Valdez Harrington Costa Whitaker"
).split()
PORTFOLIOS = ["health", "immigration", "judiciary, immigration", "health, workforce"]

SUBJECTS = {
    "conrad-30": [
        "Conrad 30 reauthorization ask",
        "Cosponsor request for H.R. 1585",
        "Shortage-area J-1 waivers in the district",
        "Flex slots and rural clinics",
    ],
    "green-card-backlog": ["Green-card backlog stories from residents", "Retrogression briefing"],
    "h1b-cap-exemption": ["H-1B cap exemption for physicians", "Hospital H-1B hiring limits"],
    "state-licensure": [
        "Provisional licence pathway for IMGs",
        "Board rules for the new IMG pathway",
    ],
}
OUTCOMES = [
    "Staff will brief the member and get back to us.",
    "Asked for a one-pager with state numbers.",
    "Supportive; wants constituent stories.",
    "Undecided; concerned about displacement of US graduates.",
    "Will consider cosponsoring.",
    "Follow up after recess.",
    "",
]


def has_congress() -> bool:
    """Has a congress-legislators import filled the directory?"""
    return bool(
        db.session.scalar(sa.select(Person.id).where(Person.bioguide_id.is_not(None)).limit(1))
    )


def seed(now: datetime) -> dict:
    """Create the demo coalition; returns counts of what was added this time."""
    rng = random.Random(2026)
    added = {
        "members": 0,
        "issues": 0,
        "organizations": 0,
        "people": 0,
        "interactions": 0,
        "positions": 0,
        "assignments": 0,
        "campaigns": 0,
    }
    users = seed_members(now, added)
    issues = seed_issues(added)
    orgs = seed_organizations(added)
    seed_officials(orgs, added)
    seed_staff(added)
    seed_follow_up_templates()
    db.session.commit()
    seed_interactions(rng, users, issues, now, added)
    seed_positions(users, issues, now, added)
    seed_outreach(users, issues, now, added)
    return added


def seed_members(now: datetime, added: dict) -> list[User]:
    """The twelve demo accounts. They share one published password, so it is hashed once
    (argon2id takes a second or more per hash on a busy machine: most of a first run's wait)."""
    from crm.auth.services import check_password_policy, hasher

    users, password_hash = [], None
    for email, name, role, state, tz, org in MEMBERS:
        user = find_user(email)
        if user is None:
            user = create_user(
                email=email,
                name=name,
                role=role,
                password=None,
                actor=None,
                now=now,
                home_state=state,
                timezone=tz,
                organization=org,
            )
            if password_hash is None:
                check_password_policy(DEMO_PASSWORD, email)
                password_hash = hasher().hash(DEMO_PASSWORD)
            user.password_hash = password_hash
            db.session.commit()
            added["members"] += 1
        users.append(user)
    return users


def seed_issues(added: dict) -> dict[str, Issue]:
    """The demo issues and bills (added when missing), by issue slug."""
    issues = {}
    for slug, name, description in ISSUES:
        issue = db.session.scalar(sa.select(Issue).where(Issue.slug == slug))
        if issue is None:
            issue = Issue(slug=slug, name=name, description=description)
            db.session.add(issue)
            added["issues"] += 1
        issues[slug] = issue
    db.session.flush()
    for jur, session, number, title, chamber, introduced, status, slugs in BILLS:
        bill = db.session.scalar(
            sa.select(Bill).where(
                Bill.jurisdiction == jur, Bill.session == session, Bill.number == number
            )
        )
        if bill is None:
            db.session.add(
                Bill(
                    jurisdiction=jur,
                    session=session,
                    number=number,
                    title=title,
                    chamber=chamber,
                    introduced_on=introduced,
                    status=status,
                    issues=[issues[s] for s in slugs],
                )
            )
    return issues


def seed_organizations(added: dict) -> dict[str, Organization]:
    """The demo agencies (added when missing), by external id."""
    orgs = {}
    for key, name, kind, jurisdiction in AGENCIES:
        org = db.session.scalar(sa.select(Organization).where(Organization.external_id == key))
        if org is None:
            org = Organization(external_id=key, name=name, kind=kind, jurisdiction=jurisdiction)
            db.session.add(org)
            added["organizations"] += 1
        orgs[key] = org
    db.session.flush()
    return orgs


def demo_person(added: dict, first: str, last: str, **fields) -> Person:
    """Find a demo person by name, or add them (marked fictional)."""
    full = f"{first} {last}"
    person = db.session.scalar(
        sa.select(Person).where(Person.source == "demo", Person.full_name == full)
    )
    if person is None:
        person = Person(
            first_name=first,
            last_name=last,
            full_name=full,
            source="demo",
            notes=FICTIONAL,
            **fields,
        )
        person.set_names()
        db.session.add(person)
        db.session.flush()
        added["people"] += 1
    return person


def seed_officials(orgs: dict, added: dict) -> None:
    """The demo agency officials, each at their agency (added when missing)."""
    for key, first, last, title in OFFICIALS:
        org = orgs[key]
        demo_person(
            added,
            first,
            last,
            kind="official",
            title=title,
            organization_id=org.id,
            level="federal" if org.jurisdiction == "US" else "state",
            state=None if org.jurisdiction == "US" else org.jurisdiction,
            email=f"{first.lower()}.{last.lower()}@example.org",
        )


def staff_name(n: int, k: int) -> tuple[str, str]:
    """A distinct invented name for the k-th staffer (0 health, 1 immigration) of legislator n."""
    index = 2 * n + k
    first = STAFF_FIRST[index % len(STAFF_FIRST)]
    last = STAFF_LAST[(index * 7 + index // len(STAFF_FIRST)) % len(STAFF_LAST)]
    return first, last


def seed_staff(added: dict) -> None:
    """Two invented staffers (health and immigration) for forty legislators, each found again by
    the legislator and portfolio, so a second run adds nobody."""
    legislators = list(
        db.session.scalars(
            sa.select(Person)
            .where(
                Person.kind == "legislator",
                Person.in_office.is_(True),
                Person.deleted_at.is_(None),
                Person.source != "demo",
            )
            .order_by(Person.level, Person.state, Person.sort_name, Person.id)
            .limit(40)
        )
    )
    held = set(
        db.session.execute(
            sa.select(StaffRole.employer_id, StaffRole.portfolio)
            .join(Person, Person.id == StaffRole.staff_id)
            .where(Person.source == "demo")
        )
    )
    for n, legislator in enumerate(legislators):
        for k, portfolio in enumerate(("health", "immigration")):
            if (legislator.id, portfolio) in held:
                continue
            first, last = staff_name(n, k)
            title = f"{'Health' if k == 0 else 'Immigration'} Legislative Assistant"
            staffer = Person(
                first_name=first,
                last_name=last,
                full_name=f"{first} {last}",
                source="demo",
                notes=FICTIONAL,
                kind="staff",
                level=legislator.level,
                state=legislator.state,
                title=f"{title}, office of {legislator.full_name}",
                email=f"{first.lower()}.{last.lower()}@example.org",
            )
            staffer.set_names()
            db.session.add(staffer)
            db.session.flush()
            added["people"] += 1
            db.session.add(
                StaffRole(
                    staff_id=staffer.id,
                    employer_id=legislator.id,
                    title=title,
                    portfolio=portfolio,
                    start_date=date(2025, 1, 3),
                )
            )


def seed_follow_up_templates() -> None:
    """The demo follow-up templates (added when missing)."""
    for position, (label, days) in enumerate(
        [
            ("Send the one-pager", 2),
            ("Thank-you note", 1),
            ("Schedule a district meeting", 14),
            ("Share constituent physician stories", 7),
        ]
    ):
        if not db.session.scalar(
            sa.select(FollowUpTemplate.id).where(FollowUpTemplate.label == label)
        ):
            db.session.add(FollowUpTemplate(label=label, due_in_days=days, position=position))


def seed_interactions(
    rng: random.Random,
    users: list[User],
    issues: dict,
    now: datetime,
    added: dict,
    count: int = 300,
) -> None:
    """A year of contacts, weighted toward members' home states and the health committees."""
    people = list(
        db.session.execute(
            sa.select(Person.id, Person.state, Person.kind)
            .where(
                Person.in_office.is_(True),
                Person.deleted_at.is_(None),
                Person.kind.in_(("legislator", "staff", "official")),
            )
            .order_by(Person.id)
        )
    )
    if not people:
        return
    by_state: dict[str | None, list[int]] = {}
    for pid, state, _kind in people:
        by_state.setdefault(state, []).append(pid)
    done = set(
        db.session.scalars(
            sa.select(Interaction.submission_key).where(Interaction.submission_key.like("demo-%"))
        )
    )
    slugs = list(issues)
    kinds = (
        ["meeting"] * 5
        + ["call"] * 3
        + ["email"] * 3
        + ["virtual_meeting"] * 2
        + ["event", "letter"]
    )
    for n in range(count):
        # Draw every random value even when the row exists, so later rows stay the same.
        author = users[rng.randrange(len(users))]
        pool = by_state.get(author.home_state) if rng.random() < 0.6 else None
        pool = pool or [p[0] for p in people]
        contacted = rng.sample(pool, k=min(len(pool), 1 + (rng.random() < 0.2)))
        slug = slugs[rng.randrange(len(slugs))]
        days_back = int(rng.triangular(0, 365, 20))
        when = now - timedelta(days=days_back, hours=rng.randrange(0, 9), minutes=rng.randrange(60))
        kind = kinds[rng.randrange(len(kinds))]
        subject = rng.choice(SUBJECTS[slug])
        outcome = rng.choice(OUTCOMES)
        extra = users[rng.randrange(len(users))]
        key = f"demo-{n}"
        if key in done:
            continue
        data = InteractionData(
            people=contacted,
            occurred_at=when,
            kind=kind,
            subject=subject,
            notes=f"Discussed **{issues[slug].name}**.\n\n- Shared the coalition's one-pager\n"
            f"- Asked about the office's position",
            outcome=outcome or None,
            members=sorted({author.id, extra.id}),
            issues=[issues[slug].id],
            source="demo",
            private=rng.random() < 0.05,
        )
        log_interaction(author, data, now, submission_key=key)
        added["interactions"] += 1


# How offices tend to answer on each issue (weights for support ... unknown): Conrad 30 is
# bipartisan, the green-card backlog divides more.
STANCE_WEIGHTS = {
    "conrad-30": (34, 26, 22, 9, 4, 5),
    "green-card-backlog": (18, 20, 30, 14, 10, 8),
    "h1b-cap-exemption": (20, 24, 28, 12, 8, 8),
    "state-licensure": (26, 24, 28, 10, 6, 6),
}
COMMITMENTS = [
    "Will cosponsor",
    "Will sign the Dear Colleague letter",
    "Will raise it at markup",
    "Will meet constituent physicians",
]


def seed_positions(users: list[User], issues: dict, now: datetime, added: dict) -> None:
    """Positions stated in the demo contacts, and a whip history for Conrad 30 and H.R. 1585.

    Deterministic (its own seeded generator, every value drawn even when a row exists) and
    idempotent: a contact that already has positions, or a person who already has a position
    recorded directly on that issue or bill, is skipped.
    """
    rng = random.Random("demo-positions")
    stances = list(STANCES)
    slug_of = {issue.id: slug for slug, issue in issues.items()}
    legislators = set(db.session.scalars(sa.select(Person.id).where(Person.kind == "legislator")))
    with_positions = set(
        db.session.scalars(
            sa.select(Position.interaction_id)
            .where(Position.interaction_id.is_not(None))
            .distinct()
        )
    )
    demo = sorted(
        db.session.scalars(sa.select(Interaction).where(Interaction.submission_key.like("demo-%"))),
        key=lambda i: int(i.submission_key.split("-")[1]),
    )
    for interaction in demo:
        for person in interaction.people:
            for issue in interaction.issues:
                roll = rng.random()
                stance = rng.choices(stances, STANCE_WEIGHTS[slug_of[issue.id]])[0]
                promise = rng.random() < 0.15
                if person.id not in legislators or roll > 0.7 or interaction.id in with_positions:
                    continue
                commitment = (
                    COMMITMENTS[interaction.id % len(COMMITMENTS)]
                    if (promise and stance in ("support", "lean_support"))
                    else None
                )
                add_position(
                    interaction.logged_by,
                    PositionInput(person.id, Subject("issue", issue.id), stance, commitment),
                    now,
                    interaction,
                )
                added["positions"] += 1
    db.session.commit()
    seed_whip_history(rng, users, issues, now, added)


def seed_whip_history(
    rng: random.Random, users: list[User], issues: dict, now: datetime, added: dict
) -> None:
    """Direct positions over the last six months, drifting toward support, so the whip boards of
    Conrad 30 and H.R. 1585 show movement week by week."""
    bill = db.session.scalar(
        sa.select(Bill).where(
            Bill.jurisdiction == "US", Bill.session == "119", Bill.number == "H.R. 1585"
        )
    )
    subjects = [(Subject("issue", issues["conrad-30"].id), ("upper", "lower"))]
    if bill is not None:
        subjects.append((Subject("bill", bill.id), ("lower",)))
    order = ["oppose", "lean_oppose", "undecided", "lean_support", "support"]
    coordinators = [u for u in users if u.is_coordinator]
    for subject, chambers in subjects:
        people = list(
            db.session.scalars(
                sa.select(Person.id)
                .where(
                    Person.kind == "legislator",
                    Person.level == "federal",
                    Person.chamber.in_(chambers),
                    Person.in_office.is_(True),
                    Person.deleted_at.is_(None),
                )
                .order_by(Person.id)
            )
        )
        done = set(
            db.session.scalars(
                sa.select(Position.person_id).where(
                    subject.column == subject.id, Position.interaction_id.is_(None)
                )
            )
        )
        marks = []
        for person_id in people:
            chosen = rng.random() < 0.45
            start = rng.choices(range(5), (8, 12, 40, 24, 16))[0]
            steps = rng.choices((1, 2, 3), (60, 30, 10))[0]
            first_day = rng.randrange(40, 180)
            author = users[rng.randrange(len(users))]
            promise = rng.random() < 0.2
            kept = rng.random() < 0.5
            hours = [rng.randrange(8) for _ in range(3)]
            moves = [rng.choice((0, 1, 1)) for _ in range(3)]
            gaps = [rng.randrange(14, 60) for _ in range(3)]
            if not chosen or person_id in done:
                continue
            level, day = start, first_day
            for step in range(steps):
                when = now - timedelta(days=day, hours=hours[step])
                commitment = (
                    COMMITMENTS[0]
                    if (
                        promise
                        and step == steps - 1
                        and order[level] in ("support", "lean_support")
                    )
                    else None
                )
                position = add_position(
                    author,
                    PositionInput(
                        person_id,
                        subject,
                        order[level],
                        commitment,
                        notes="Told us at a district meeting (demo)." if step == 0 else None,
                    ),
                    when,
                )
                added["positions"] += 1
                if commitment and kept and day > 30:
                    marks.append(position)
                level = min(level + moves[step], 4)
                day = max(day - gaps[step], 1)
        db.session.commit()
        for position in marks:
            mark_commitment(coordinators[0], position.id, "kept", now)


# ---- outreach: assignments in every state, a campaign under way, cadences, a moving whip ----

# (member, days from today to the due date, title, priority, what has happened to it since)
WORK = [
    ("member@example.org", -9, "Follow up on the Conrad 30 meeting", "high", "open"),
    ("member@example.org", -2, "Send the one-pager on J-1 waivers", "normal", "open"),
    ("member@example.org", 0, "Call the health LA about H.R. 1585", "normal", "in_progress"),
    ("member@example.org", 2, "Ask for a cosponsor on H.R. 1585", "high", "open"),
    ("member@example.org", 12, "Invite the office to the clinic visit", "normal", "open"),
    ("member@example.org", 4, "Share residents' stories with the office", "normal", "snoozed"),
    ("member@example.org", -5, "Thank-you note after the district meeting", "normal", "done"),
    ("coordinator@example.org", -3, "Confirm the Hill day schedule", "high", "open"),
    ("coordinator@example.org", 1, "Brief the office on retrogression numbers", "normal", "open"),
    ("coordinator@example.org", 9, "Ask about the Dear Colleague letter", "normal", "open"),
    ("lena.fischer@example.org", -1, "Send the state Conrad 30 figures", "normal", "open"),
    ("lena.fischer@example.org", 6, "Follow up on the markup", "normal", "open"),
    ("tunde.adeyemi@example.org", -8, "Rural clinic visit follow-up", "high", "open"),
    ("tunde.adeyemi@example.org", 3, "Ask for a cosponsor on H.R. 1585", "normal", "open"),
    ("priya.raman@example.org", 0, "Licensure pathway briefing", "normal", "open"),
    ("priya.raman@example.org", -4, "Send the WI residency numbers", "normal", "done"),
    ("omar.haddad@example.org", -10, "Green-card backlog stories", "normal", "open"),
    ("omar.haddad@example.org", 2, "Call about the H-1B cap exemption", "normal", "open"),
    ("grace.kim@example.org", 5, "Central Valley clinic visit invitation", "normal", "open"),
    ("samuel.osei@example.org", -2, "Retrogression briefing follow-up", "normal", "open"),
    ("ana.lopez@example.org", 1, "Schedule a district meeting", "normal", "open"),
    ("david.cohen@example.org", 8, "Ask for a cosponsor on H.R. 1585", "normal", "open"),
    ("fatima.zahra@example.org", -6, "Send the Michigan shortage-area map", "high", "open"),
]
NOTES = "Bring the coalition's one-pager and the state's Conrad 30 numbers."
CAMPAIGN = "Conrad 30: Senate Judiciary"
CAMPAIGN_COMMITTEE = "SSJU"  # Senate Judiciary (its immigration subcommittee is SSJU04)
MOVED_NOTE = "Moved this week after the Hill day (demo)."


def seed_outreach(users: list[User], issues: dict, now: datetime, added: dict) -> None:
    """Open, due-soon, overdue, in-progress, snoozed and done work for the members; a campaign
    half assigned; keep-in-touch cadences with lapses; positions that moved this week and
    commitments kept and not kept. Each part finds what it made before, so a second run adds
    nothing."""
    by_email = {u.email: u for u in users}
    seed_assignments(by_email, now, added)
    seed_campaign(by_email, issues, now, added)
    seed_cadences(by_email, now)
    seed_moves(by_email, issues, now, added)
    seed_private_contacts(by_email, issues, now, added)
    seed_agency_contacts(by_email, issues, now, added)


AGENCY_CONTACTS = [
    # agency key, member, kind, days ago, subject, issue
    (
        "demo:uscis",
        "member@example.org",
        "email",
        3,
        "Ombudsman: J-1 waiver processing times",
        "conrad-30",
    ),
    (
        "demo:dos-ca",
        "coordinator@example.org",
        "virtual_meeting",
        9,
        "Visa Office: the waiver review backlog",
        "conrad-30",
    ),
    (
        "demo:tx-dshs",
        "member@example.org",
        "call",
        16,
        "Conrad 30 slots left for FY2027",
        "conrad-30",
    ),
    (
        "demo:hhs-hrsa",
        "coordinator@example.org",
        "meeting",
        40,
        "Shortage-area designations",
        "state-licensure",
    ),
]


def seed_agency_contacts(by_email: dict[str, User], issues: dict, now: datetime, added) -> None:
    """Contacts logged against agencies themselves (an office's inbox, a program's line), with
    nobody there named: they show on the agency's page."""
    done = set(
        db.session.scalars(
            sa.select(Interaction.submission_key).where(
                Interaction.submission_key.like("demoorg-%")
            )
        )
    )
    for n, (key, email, kind, days, subject, slug) in enumerate(AGENCY_CONTACTS):
        org_id = db.session.scalar(
            sa.select(Organization.id).where(Organization.external_id == key)
        )
        author = by_email[email]
        if f"demoorg-{n}" in done or org_id is None:
            continue
        log_interaction(
            author,
            InteractionData(
                people=[],
                organization_id=org_id,
                occurred_at=now - timedelta(days=days, hours=3),
                kind=kind,
                subject=subject,
                members=[author.id],
                issues=[issues[slug].id],
                source="demo",
            ),
            now,
            submission_key=f"demoorg-{n}",
        )
        added["interactions"] += 1


def home_legislators(state: str | None, skip: int, count: int) -> list[int]:
    """Legislators of a state (federal first, in name order), after the first `skip`."""
    stmt = (
        sa.select(Person.id)
        .where(
            Person.kind == "legislator",
            Person.in_office.is_(True),
            Person.deleted_at.is_(None),
        )
        .order_by(Person.level, Person.chamber.desc(), Person.sort_name, Person.id)
    )
    ids = list(db.session.scalars(stmt.where(Person.state == state))) if state else []
    if len(ids) < skip + count:
        ids += list(db.session.scalars(stmt.limit(skip + count)))
    return ids[skip : skip + count]


def seed_assignments(by_email: dict[str, User], now: datetime, added: dict) -> None:
    """The demo members' assignments about their home-state legislators, some done, in progress
    or snoozed (skipped when already there)."""
    from crm.assignments import services as work
    from crm.models import Assignment

    made = set(db.session.execute(sa.select(Assignment.assignee_id, Assignment.title)))
    giver = by_email["lena.fischer@example.org"]
    seen: dict[str, int] = {}
    for email, days, title, priority, state in WORK:
        user = by_email[email]
        n = seen[email] = seen.get(email, -1) + 1
        if (user.id, title) in made:
            continue
        targets = home_legislators(user.home_state, n, 1)
        if not targets:
            return  # no directory: nobody to contact
        today = local_today(now, user.timezone)
        actor = user if user.id == giver.id or user.is_coordinator else giver
        a = work.create_assignment(
            actor,
            work.AssignmentData(
                title=title,
                assignee_id=user.id,
                person_id=targets[0],
                due_on=today + timedelta(days=days),
                priority=priority,
                notes=NOTES if n == 0 else None,
            ),
            now,
            acknowledge_collisions=True,
        )
        added["assignments"] += 1
        if state == "done":
            work.complete(user, a, now)
        elif state == "in_progress":
            work.set_status(user, a, "in_progress", now)
        elif state == "snoozed":
            work.snooze(user, a, today + timedelta(days=days + 3), now)


def seed_campaign(by_email: dict[str, User], issues: dict, now: datetime, added: dict) -> None:
    """A campaign on the Senate Judiciary committee: twelve of its members given out round
    robin a week ago, three of them done, the rest still to assign."""
    from crm.assignments import services as work
    from crm.campaigns import services as campaigns
    from crm.models import Campaign, Committee
    from crm.people.filters import DirectoryFilter

    if db.session.scalar(sa.select(Campaign.id).where(Campaign.name == CAMPAIGN)):
        return
    committee = db.session.scalar(
        sa.select(Committee.id).where(Committee.code == CAMPAIGN_COMMITTEE)
    )
    if committee is None:
        return
    coordinator = by_email["coordinator@example.org"]
    today = local_today(now, coordinator.timezone)
    bill = db.session.scalar(sa.select(Bill.id).where(Bill.number == "S. 665"))
    campaign = campaigns.save_campaign(
        coordinator,
        None,
        campaigns.CampaignData(
            name=CAMPAIGN,
            target_filter=DirectoryFilter(committee=committee),
            goal="Every member of Senate Judiciary hears the Conrad 30 ask before markup.",
            issue_id=issues["conrad-30"].id,
            bill_id=bill,
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=21),
        ),
        now - timedelta(days=7),
    )
    added["campaigns"] += 1
    targets = campaigns.unassigned_targets(campaign, now, coordinator)[:12]
    members = sorted((u for u in by_email.values() if u.role != "admin"), key=lambda u: u.id)[:6]
    pairs = [(p.id, members[n % len(members)].id) for n, p in enumerate(targets)]
    result = campaigns.bulk_assign(
        coordinator,
        campaign,
        pairs,
        title="Conrad 30 ask before markup",
        due_on=today + timedelta(days=5),
        priority="normal",
        now=now,
    )
    added["assignments"] += len(result.created)
    for a in result.created[:3]:
        work.complete(a.assignee, a, now)


def seed_cadences(by_email: dict[str, User], now: datetime) -> None:
    """Each of four members holds three offices of their state on a 30-day cadence: one last
    contacted five to eight weeks ago (lapsed), one recently (not due yet), one never; the
    hourly job's follow-ups for the lapses are made now."""
    from crm.cadence.services import refresh_cadence
    from crm.interactions.services import touch_due

    taken: set[int] = set()
    for email in (
        "member@example.org",
        "coordinator@example.org",
        "tunde.adeyemi@example.org",
        "priya.raman@example.org",
    ):
        user = by_email[email]
        if db.session.scalar(sa.select(Person.id).where(Person.holder_id == user.id).limit(1)):
            continue
        people = [
            db.session.get(Person, pid)
            for pid in home_legislators(user.home_state, 0, 40)
            if pid not in taken
        ]

        def ago(p: Person) -> int | None:
            return (now - p.last_contacted_at).days if p.last_contacted_at else None

        picks = [
            next((p for p in people if ago(p) is not None and 35 <= ago(p) <= 56), None),
            next((p for p in people if ago(p) is not None and ago(p) <= 20), None),
            next((p for p in people if ago(p) is None), None),
        ]
        for person in picks:
            if person is None:
                continue
            taken.add(person.id)
            person.holder_id, person.cadence_days, person.tier = user.id, 30, "target"
            person.next_touch_due = touch_due(person.last_contacted_at, 30)
    db.session.commit()
    refresh_cadence(now)


def seed_moves(by_email: dict[str, User], issues: dict, now: datetime, added: dict) -> None:
    """Six senators moved toward support on Conrad 30 this week; two old commitments were not
    kept and two were (so the whip board shows both)."""
    from crm.models import Committee, CommitteeMembership

    coordinator = by_email["coordinator@example.org"]
    conrad = Subject("issue", issues["conrad-30"].id)
    moved = set(
        db.session.scalars(
            sa.select(Position.person_id).where(
                Position.issue_id == conrad.id, Position.notes == MOVED_NOTE
            )
        )
    )
    people = list(
        db.session.scalars(
            sa.select(CommitteeMembership.person_id)
            .join(Committee, Committee.id == CommitteeMembership.committee_id)
            .where(Committee.code == CAMPAIGN_COMMITTEE)
            .order_by(CommitteeMembership.person_id)
            .limit(6)
        )
    )
    ladder = ["oppose", "lean_oppose", "undecided", "lean_support", "support"]
    for n, pid in enumerate(people):
        if pid in moved:
            continue
        current = db.session.scalar(
            sa.select(Position.stance)
            .where(Position.person_id == pid, Position.issue_id == conrad.id)
            .order_by(Position.recorded_at.desc(), Position.id.desc())
            .limit(1)
        )
        step = ladder.index(current) if current in ladder else 1
        stance = ladder[min(step + 1, 4)] if step < 4 else "support"
        add_position(
            coordinator,
            PositionInput(
                pid,
                conrad,
                stance,
                "Will cosponsor" if stance == "support" else None,
                notes=MOVED_NOTE,
            ),
            now - timedelta(days=1 + n % 5, hours=n),
        )
        added["positions"] += 1
    db.session.commit()
    for status in ("broken", "kept"):
        if (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Position)
                .where(Position.commitment_status == status)
            )
            >= 2
        ):
            continue
        pending = db.session.scalars(
            sa.select(Position.id)
            .where(
                Position.commitment.is_not(None),
                Position.commitment_status == "pending",
                Position.recorded_at < now - timedelta(days=30),
            )
            .order_by(Position.id)
            .limit(2)
        ).all()
        for position_id in pending:
            mark_commitment(coordinator, position_id, status, now)


def seed_private_contacts(by_email: dict[str, User], issues: dict, now: datetime, added) -> None:
    """Three private contacts this week: seen by their author, those present and coordinators."""
    maria = by_email["member@example.org"]
    done = set(
        db.session.scalars(
            sa.select(Interaction.submission_key).where(
                Interaction.submission_key.like("demopriv-%")
            )
        )
    )
    subjects = [
        "Private: the senator's chief of staff on the cosponsor question",
        "Private: a resident's visa case the office is helping with",
        "Private: what the LA said about the committee's timing",
    ]
    targets = home_legislators(maria.home_state, 0, 3)
    for n, (subject, pid) in enumerate(zip(subjects, targets, strict=False)):
        key = f"demopriv-{n}"
        if key in done:
            continue
        log_interaction(
            maria,
            InteractionData(
                people=[pid],
                occurred_at=now - timedelta(days=n + 1, hours=2),
                kind="call" if n % 2 else "meeting",
                subject=subject,
                notes="Shared in confidence; not for the team feed.",
                members=[maria.id],
                issues=[issues["conrad-30"].id],
                source="demo",
                private=True,
            ),
            now,
            submission_key=key,
        )
        added["interactions"] += 1

"""A believable demo coalition, on top of whatever directory is loaded.

Invented people are marked as fictional in their notes and use example.org addresses. Every
record has a stable key, so running the seed again changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from crm.auth.services import create_user, find_user
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

STAFF_FIRST = [
    "Avery",
    "Jordan",
    "Casey",
    "Morgan",
    "Riley",
    "Quinn",
    "Taylor",
    "Skyler",
    "Reese",
    "Parker",
]
STAFF_LAST = [
    "Whitfield",
    "Delacroix",
    "Okonkwo",
    "Lindqvist",
    "Marchetti",
    "Abernathy",
    "Vasquez",
    "Holloway",
    "Tanaka",
    "Sorensen",
]
PORTFOLIOS = ["health", "immigration", "judiciary, immigration", "health, workforce"]

FICTIONAL_LEGISLATORS = [
    # used only when no directory has been imported:
    # level, chamber, state, district, first, last, party
    ("federal", "upper", "TX", None, "Elena", "Marsh", "Republican"),
    ("federal", "upper", "NY", None, "Theodore", "Banks", "Democratic"),
    ("federal", "upper", "FL", None, "Clara", "Whitmore", "Republican"),
    ("federal", "upper", "TN", None, "Russell", "Harlan", "Republican"),
    ("federal", "upper", "WI", None, "Joan", "Ekdahl", "Democratic"),
    ("federal", "upper", "CA", None, "Victor", "Salinas", "Democratic"),
    ("federal", "lower", "TX", "7", "Natalie", "Brooks", "Democratic"),
    ("federal", "lower", "TX", "23", "Gabriel", "Ortega", "Republican"),
    ("federal", "lower", "NY", "12", "Irene", "Goldberg", "Democratic"),
    ("federal", "lower", "FL", "27", "Marco", "Esteban", "Republican"),
    ("federal", "lower", "TN", "5", "Hollis", "Carver", "Republican"),
    ("federal", "lower", "WI", "3", "Annika", "Lund", "Democratic"),
    ("federal", "lower", "CA", "21", "Jasmine", "Park", "Democratic"),
    ("federal", "lower", "OH", "9", "Walter", "Kowalski", "Republican"),
    ("federal", "lower", "MI", "13", "Rashida", "Bell", "Democratic"),
    ("state", "upper", "TN", "3", "Douglas", "Fairbanks", "Republican"),
    ("state", "lower", "TN", "93", "Keisha", "Monroe", "Democratic"),
    ("state", "upper", "TX", "9", "Ramon", "Villarreal", "Republican"),
    ("state", "lower", "TX", "146", "Denise", "Okafor", "Democratic"),
    ("state", "upper", "FL", "14", "Patrick", "Lyle", "Republican"),
    ("state", "lower", "FL", "51", "Carmen", "Reyes", "Democratic"),
    ("state", "upper", "NY", "47", "Martin", "Feld", "Democratic"),
    ("state", "lower", "NY", "74", "Sofia", "Albani", "Democratic"),
    ("state", "upper", "WI", "5", "Gunnar", "Halvorsen", "Republican"),
    ("state", "lower", "WI", "66", "Lucinda", "Morales", "Democratic"),
]

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
    }
    users = seed_members(now, added)
    issues = seed_issues(added)
    orgs = seed_organizations(added)
    seed_officials(orgs, added)
    if not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Person)
        .where(Person.kind == "legislator", Person.source != "demo")
    ):
        seed_fictional_legislators(added)
    seed_staff(rng, added)
    seed_follow_up_templates()
    db.session.commit()
    seed_interactions(rng, users, issues, now, added)
    seed_positions(users, issues, now, added)
    return added


def seed_members(now: datetime, added: dict) -> list[User]:
    users = []
    for email, name, role, state, tz, org in MEMBERS:
        user = find_user(email)
        if user is None:
            user = create_user(
                email=email,
                name=name,
                role=role,
                password=DEMO_PASSWORD,
                actor=None,
                now=now,
                home_state=state,
                timezone=tz,
                organization=org,
            )
            added["members"] += 1
        users.append(user)
    return users


def seed_issues(added: dict) -> dict[str, Issue]:
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


def seed_fictional_legislators(added: dict) -> None:
    """Only when no directory was imported: a small fictional legislature to work with."""
    for level, chamber, state, district, first, last, party in FICTIONAL_LEGISLATORS:
        demo_person(
            added,
            first,
            last,
            kind="legislator",
            level=level,
            chamber=chamber,
            state=state,
            district=district,
            party=party,
            title="Fictional legislator (demo)",
        )


def seed_staff(rng: random.Random, added: dict) -> None:
    """Two fictional staffers (health and immigration) for a few dozen legislators."""
    legislators = list(
        db.session.scalars(
            sa.select(Person)
            .where(
                Person.kind == "legislator", Person.in_office.is_(True), Person.deleted_at.is_(None)
            )
            .order_by(Person.level, Person.state, Person.sort_name)
            .limit(40)
        )
    )
    for n, legislator in enumerate(legislators):
        for k, portfolio in enumerate(("health", "immigration")):
            first = STAFF_FIRST[(n + k * 3) % len(STAFF_FIRST)]
            last = f"{STAFF_LAST[(n * 7 + k) % len(STAFF_LAST)]}-{legislator.id}"
            staffer = demo_person(
                added,
                first,
                last,
                kind="staff",
                level=legislator.level,
                state=legislator.state,
                title=f"{'Health' if k == 0 else 'Immigration'} Legislative Assistant",
            )
            exists = db.session.scalar(
                sa.select(StaffRole.id).where(StaffRole.staff_id == staffer.id)
            )
            if not exists:
                db.session.add(
                    StaffRole(
                        staff_id=staffer.id,
                        employer_id=legislator.id,
                        title=staffer.title,
                        portfolio=portfolio,
                        start_date=date(2025, 1, 3),
                    )
                )


def seed_follow_up_templates() -> None:
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

"""Coalition-scale data: the one deterministic generator every benchmark uses.

    flask --app wsgi db upgrade
    python -m bench.generate                   # full scale, seed 42, history ending now
    python -m bench.generate --small           # the scale the tests use (about a second)
    python -m bench.generate --interactions 50000 --now 2026-11-27T12:00:00

(into the database of CRM_DATABASE_URL, as the app would use it.)

From code, inside an app context, on an empty migrated database:

    from bench.generate import Scale, generate
    summary = generate(Scale(interactions=50_000), seed=42, now=datetime(2026, 11, 27, tzinfo=UTC))

Full scale: 8,000 policymakers (100 U.S. senators, 435 representatives, 7,065 state legislators,
400 agency officials), 20,000 staff with their staff roles (current, and a past one for some),
500 members (1 admin, 10 coordinators), committees and memberships for Congress and 50 states,
6 issues and 2 bills, and 500,000 interactions spread over five years with their people, members,
issues and bills. Contact is skewed like reality: 40 % of offices were never contacted, a few
get thousands of contacts, and most contacts go to staff. last_contacted_at, last_contacted_by_id
and next_touch_due are what logging every interaction through the quick log would have left:
the latest non-deleted contact with the person, or with a staffer of theirs.

The same seed, scale and `now` give the same rows, ids included, on SQLite and PostgreSQL. Rows go
in with SQLAlchemy Core executemany in chunks (COPY for big batches on PostgreSQL), in one
transaction, the interaction tables' secondary indexes built once at the end; then ANALYZE
(SQLite) or VACUUM ANALYZE (PostgreSQL, with sequences moved past the inserted ids). Every
generated member signs in with BENCH_PASSWORD; `summary.logins` names one account per role.
See bench/README.md.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from types import SimpleNamespace

import click
import sqlalchemy as sa

from bench import BENCH_PASSWORD
from crm.demo import BILLS, ISSUES, OUTCOMES, SUBJECTS
from crm.extensions import db
from crm.models import (
    Bill,
    Committee,
    CommitteeMembership,
    Interaction,
    Issue,
    Office,
    Organization,
    Person,
    StaffRole,
    User,
    bill_issues,
    interaction_bills,
    interaction_issues,
    interaction_members,
    interaction_people,
)
from crm.models.search import rebuild_index
from crm.offices import touch_due

DOMAIN = "bench.example.org"

STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
# Rough population weights: where House seats and coalition members are.
BIG_STATES = {
    "CA": 12,
    "TX": 9,
    "FL": 7,
    "NY": 6,
    "PA": 4,
    "IL": 4,
    "OH": 3.5,
    "GA": 3.3,
    "NC": 3.2,
    "MI": 3,
    "NJ": 2.8,
    "VA": 2.6,
    "WA": 2.3,
    "AZ": 2.2,
    "TN": 2.1,
    "MA": 2.1,
}
STATE_WEIGHTS = [BIG_STATES.get(s, 1.0) for s in STATES]
ZONES = {
    "America/Chicago": "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI",
    "America/Denver": "CO MT NM UT WY ID",
    "America/Phoenix": "AZ",
    "America/Los_Angeles": "CA NV OR WA",
    "America/Anchorage": "AK",
    "Pacific/Honolulu": "HI",
}
ZONE_OF = {s: zone for zone, states in ZONES.items() for s in states.split()}

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Joshua Donna Kenneth "
    "Michelle Kevin Carol Brian Amanda George Melissa Timothy Deborah Ramón Sofía José Lucía "
    "Ngozi "
    "Wei Priya Aisha Dmitri Chloé Tomás Mei Kwame Fatima Hiroshi Zoë"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips "
    "Evans Turner Díaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutiérrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chávez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders "
    "Patel Myers Long Ross Foster Jiménez Luján Peña Núñez O'Brien McAllister Van Buren Okafor"
).split()
PARTIES = (("Democratic", 48), ("Republican", 49), ("Independent", 3))
TIERS = (
    ("unknown", 50),
    ("target", 15),
    ("neutral", 12),
    ("ally", 10),
    ("champion", 5),
    ("opponent", 8),
)
STAFF_TITLES = (
    "Legislative Assistant",
    "Legislative Director",
    "Chief of Staff",
    "Health Policy Advisor",
    "Legislative Correspondent",
    "Scheduler",
    "District Director",
    "Counsel",
)
PORTFOLIOS = (
    "health",
    "immigration",
    "judiciary, immigration",
    "health, workforce",
    "appropriations",
    None,
)
OFFICIAL_TITLES = (
    "Conrad 30 Coordinator",
    "Policy Analyst",
    "Licensing Director",
    "Deputy Commissioner",
    "Program Manager",
    "Legislative Liaison",
)
COMMITTEES = (
    "Judiciary",
    "Health",
    "Appropriations",
    "Finance",
    "Education",
    "Commerce",
    "Rules",
    "Labor",
    "Agriculture",
    "Transportation",
    "Veterans Affairs",
    "Government Operations",
)
EXTRA_ISSUES = (
    (
        "gme-funding",
        "Graduate medical education funding",
        "More residency slots funded by Medicare for shortage specialties.",
    ),
    (
        "telehealth",
        "Telehealth across state lines",
        "Interstate licensure compacts and telehealth for underserved areas.",
    ),
)
ISSUE_WEIGHTS = (6, 3, 2, 2, 1, 1)
KINDS = (
    ("meeting", 30),
    ("call", 20),
    ("email", 25),
    ("virtual_meeting", 12),
    ("letter", 5),
    ("event", 5),
    ("hearing", 2),
    ("other", 1),
)
WORDS = (
    "discussed the Conrad 30 waiver program and the reauthorization timeline; staff asked for "
    "state numbers, rural clinic stories, the coalition one-pager, a follow-up meeting after "
    "recess, cosponsor list, physician shortage data, hearing schedule, markup, budget"
).split()


@dataclass(frozen=True)
class Scale:
    """How much to generate. Scale() is coalition scale; Scale.small() is what tests use."""

    legislators: int = 7_600
    officials: int = 400
    staff: int = 20_000
    members: int = 500
    interactions: int = 500_000
    years: int = 5
    committees_per_chamber: int = 8
    never_contacted: float = 0.4  # share of offices nobody in the coalition ever contacted
    chunk: int = 5_000  # interactions per executemany batch

    @classmethod
    def small(cls, **overrides) -> Scale:
        values = dict(
            legislators=190,
            officials=10,
            staff=400,
            members=12,
            interactions=3_000,
            committees_per_chamber=2,
            chunk=1_000,
        )
        return cls(**(values | overrides))


@dataclass
class Summary:
    seed: int
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)  # role -> email (password BENCH_PASSWORD)
    seconds: float = 0.0


class NotEmpty(RuntimeError):
    """The database already holds people or interactions."""


def generate(
    scale: Scale | None = None,
    *,
    seed: int = 42,
    now: datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> Summary:
    """Fill an empty migrated database (the app context's engine) with deterministic data."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Generator(
        scale or Scale(), random.Random(seed), now, log or (lambda _msg: None), seed
    ).run()


def slug(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def weighted(rnd: random.Random, pairs) -> Callable[[], object]:
    """A picker for (value, weight) pairs, cheap to call many times."""
    pairs = list(pairs)
    values = [v for v, _ in pairs]
    cum = list(accumulate(w for _, w in pairs))
    return lambda: rnd.choices(values, cum_weights=cum)[0]


class Generator:
    def __init__(self, scale: Scale, rnd: random.Random, now: datetime, log, seed: int):
        self.s, self.rnd, self.now, self.log, self.seed = scale, rnd, now, log, seed
        self.summary = Summary(seed=seed, now=now)
        self.next_ids: dict[str, int] = {}

    # ---- plumbing ----

    def run(self) -> Summary:
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            self.conn = conn
            if conn.scalar(sa.select(sa.func.count()).select_from(Person)) or conn.scalar(
                sa.select(sa.func.count()).select_from(Interaction)
            ):
                raise NotEmpty(
                    "The database already holds people or interactions; "
                    "generate into an empty migrated database."
                )
            for step in (
                self.users,
                self.organizations,
                self.issues,
                self.people,
                self.offices,
                self.staff_roles,
                self.committees,
                self.interactions,
                self.last_contact,
                self.search_index,
            ):
                t = time.perf_counter()
                step()
                self.log(f"{step.__name__}: {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
        self.analyze()
        self.log(f"analyze: {time.perf_counter() - t:.1f}s")
        self.summary.seconds = round(time.perf_counter() - t0, 1)
        return self.summary

    def ids(self, table: sa.Table, n: int) -> range:
        """n fresh primary keys for table, after whatever it already holds."""
        if table.name not in self.next_ids:
            self.next_ids[table.name] = (
                self.conn.scalar(sa.select(sa.func.max(table.c.id))) or 0
            ) + 1
        start = self.next_ids[table.name]
        self.next_ids[table.name] += n
        return range(start, start + n)

    def insert(self, table: sa.Table, rows: list[dict]) -> None:
        if not rows:
            return
        if self.conn.dialect.name == "postgresql" and len(rows) >= 1000:
            self.copy(table, rows)
        else:
            self.conn.execute(sa.insert(table), rows)
        self.summary.counts[table.name] = self.summary.counts.get(table.name, 0) + len(rows)

    def copy(self, table: sa.Table, rows: list[dict]) -> None:
        """PostgreSQL's COPY on the same connection and transaction: 30x faster than executemany.

        Values go through the columns' own bind processors (aware UTC -> naive UTC), as they
        would in an INSERT."""
        names = list(rows[0])
        procs = [table.c[n].type.bind_processor(self.conn.dialect) for n in names]
        cursor = self.conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        v if p is None or v is None else p(v)
                        for p, v in zip(procs, (row[n] for n in names), strict=True)
                    ]
                )

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(seconds=int(days * 86400))

    def name(self) -> tuple[str, str, str | None]:
        r = self.rnd
        middle = r.choice("ABCDEFGHJKLMNPRSTW") + "." if r.random() < 0.2 else None
        return r.choice(FIRST), r.choice(LAST), middle

    # ---- members ----

    def users(self) -> None:
        from crm.auth.services import hasher

        r, n = self.rnd, self.s.members
        password_hash = hasher().hash(BENCH_PASSWORD)  # one hash for all: hashing is slow
        n_coord = max(1, n // 50)
        home = weighted(r, zip(STATES, STATE_WEIGHTS, strict=True))
        rows = []
        for k, uid in enumerate(self.ids(User.__table__, n)):
            role = "admin" if k == 0 else "coordinator" if k <= n_coord else "member"
            number = k if role == "coordinator" else k - n_coord
            email = "admin@" + DOMAIN if k == 0 else f"{role}{number:03d}@{DOMAIN}"
            state = home()
            first, last, _ = self.name()
            created = self.ago(r.uniform(30, 365 * self.s.years))
            rows.append(
                dict(
                    id=uid,
                    email=email,
                    name=f"{first} {last}",
                    role=role,
                    organization=f"{last} Immigration Law"
                    if r.random() < 0.5
                    else f"{state} Physicians Network",
                    home_state=state,
                    timezone=ZONE_OF.get(state, "America/New_York"),
                    digest_enabled=r.random() < 0.9,
                    digest_weekday=r.randrange(5),
                    digest_hour=7,
                    reminders_enabled=True,
                    password_hash=password_hash,
                    is_active=k <= n_coord + 1 or r.random() < 0.97,
                    failed_logins=0,
                    calendar_token_hash=f"{r.getrandbits(128):032x}",  # no feed URL known
                    created_at=created,
                    updated_at=created,
                )
            )
            if k <= n_coord + 1:
                self.summary.logins.setdefault(role, email)
        self.insert(User.__table__, rows)
        self.user_ids = [u["id"] for u in rows]
        # Activity: a few members log most contacts; some never log anything.
        self.member_weight = [0.0 if r.random() < 0.15 else r.lognormvariate(0, 1.2) for _ in rows]
        self.member_weight[n_coord + 1] = max(
            self.member_weight[n_coord + 1], 1.0
        )  # the bench login

    # ---- organizations, issues, bills ----

    def organizations(self) -> None:
        specs = [
            ("USCIS", "U.S. Citizenship and Immigration Services", "federal_agency", "US"),
            ("DOS", "U.S. Department of State, Consular Affairs", "federal_agency", "US"),
            (
                "DOL",
                "U.S. Department of Labor, Foreign Labor Certification",
                "federal_agency",
                "US",
            ),
            ("HRSA", "Health Resources and Services Administration", "federal_agency", "US"),
        ]
        for s in STATES:
            specs.append(
                (f"{s}-DOH", f"{s} Department of Health, Conrad 30 program", "state_agency", s)
            )
            specs.append((f"{s}-BOM", f"{s} Board of Medicine", "medical_board", s))
        rows = [
            dict(
                id=oid,
                name=name,
                kind=kind,
                jurisdiction=jur,
                external_id=f"bench:{key}",
                website=f"https://{key.lower()}.example.gov",
                created_at=self.now,
                updated_at=self.now,
            )
            for oid, (key, name, kind, jur) in zip(
                self.ids(Organization.__table__, len(specs)), specs, strict=True
            )
        ]
        self.insert(Organization.__table__, rows)
        self.agencies = [(o["id"], o["jurisdiction"]) for o in rows]

    def issues(self) -> None:
        specs = [*ISSUES, *EXTRA_ISSUES]
        rows = [
            dict(
                id=iid,
                slug=slug,
                name=name,
                description=desc,
                active=True,
                created_at=self.now,
                updated_at=self.now,
            )
            for iid, (slug, name, desc) in zip(
                self.ids(Issue.__table__, len(specs)), specs, strict=True
            )
        ]
        self.insert(Issue.__table__, rows)
        self.issue_ids = [i["id"] for i in rows]
        self.issue_slugs = {i["id"]: i["slug"] for i in rows}
        self.pick_issue = weighted(self.rnd, zip(self.issue_ids, ISSUE_WEIGHTS, strict=True))
        by_slug = {i["slug"]: i["id"] for i in rows}
        bills, links = [], []
        for bid, (jur, session, number, title, chamber, introduced, status, slugs) in zip(
            self.ids(Bill.__table__, len(BILLS)), BILLS, strict=True
        ):
            bills.append(
                dict(
                    id=bid,
                    jurisdiction=jur,
                    session=session,
                    number=number,
                    title=title,
                    chamber=chamber,
                    introduced_on=introduced,
                    status=status,
                    created_at=self.now,
                    updated_at=self.now,
                )
            )
            links += [dict(bill_id=bid, issue_id=by_slug[s]) for s in slugs]
        self.insert(Bill.__table__, bills)
        self.insert(bill_issues, links)
        self.bill_ids = [b["id"] for b in bills]

    # ---- people ----

    def person_row(
        self, pid: int, kind: str, first: str, last: str, middle: str | None, **fields
    ) -> dict:
        p = SimpleNamespace(
            first_name=first, last_name=last, middle_name=middle, nickname=None, full_name=""
        )
        Person.set_names(p)  # the app's own rule for display, sort and search names
        created = self.ago(self.rnd.uniform(400, 365 * self.s.years + 400))
        row = dict(
            id=pid,
            kind=kind,
            first_name=first,
            middle_name=middle,
            last_name=last,
            suffix=None,
            nickname=None,
            full_name=p.full_name,
            sort_name=p.sort_name,
            search_name=p.search_name,
            title=None,
            organization_id=None,
            level=None,
            chamber=None,
            state=None,
            district=None,
            party=None,
            in_office=True,
            email=None,
            phone=None,
            website=None,
            social={},
            external_ids={},
            tier="unknown",
            holder_id=None,
            cadence_days=None,
            source="import",
            created_at=created,
            updated_at=created,
            deleted_at=None,
            version=1,
        )
        row.update(fields)
        return row

    def phone(self, area: int) -> str:
        return f"+1{area}555{self.rnd.randrange(10000):04d}"

    def people(self) -> None:
        r, s = self.rnd, self.s
        n = s.legislators
        senate = min(100, max(2, round(n * 100 / 7600)))
        house = min(435, max(4, round(n * 435 / 7600)))
        party = weighted(r, PARTIES)
        tier = weighted(r, TIERS)
        house_state = weighted(r, zip(STATES, STATE_WEIGHTS, strict=True))
        districts: dict[tuple, int] = {}
        rows = []
        self.legislators = []  # (id, level, state, chamber, in office)
        for k, pid in enumerate(self.ids(Person.__table__, n)):
            if k < senate:
                level, chamber, state, title = "federal", "upper", STATES[k % 50], "U.S. Senator"
            elif k < senate + house:
                level, chamber, state, title = (
                    "federal",
                    "lower",
                    house_state(),
                    "U.S. Representative",
                )
            else:
                level, state = "state", r.choice(STATES)
                chamber = "upper" if r.random() < 0.27 else "lower"
                title = "State Senator" if chamber == "upper" else "State Representative"
            district = None
            if not (level == "federal" and chamber == "upper"):
                districts[(level, chamber, state)] = districts.get((level, chamber, state), 0) + 1
                district = str(districts[(level, chamber, state)])
            first, last, middle = self.name()
            holder = r.choice(self.user_ids) if r.random() < 0.12 else None
            in_office = r.random() >= 0.03
            rows.append(
                self.person_row(
                    pid,
                    "legislator",
                    first,
                    last,
                    middle,
                    title=title,
                    level=level,
                    chamber=chamber,
                    state=state,
                    district=district,
                    party=party(),
                    in_office=in_office,
                    tier=tier(),
                    holder_id=holder,
                    cadence_days=r.choice((30, 60, 90)) if holder and r.random() < 0.6 else None,
                    email=f"{first[0].lower()}.{slug(last)}.{pid}@{state.lower()}.leg.example",
                    phone=self.phone(202 if level == "federal" else 512),
                    website=f"https://{pid}.leg.example",
                    deleted_at=self.ago(r.uniform(1, 300)) if r.random() < 0.003 else None,
                )
            )
            self.legislators.append((pid, level, state, chamber, in_office))
        for oid, pid in zip(
            range(s.officials), self.ids(Person.__table__, s.officials), strict=True
        ):
            org_id, jur = self.agencies[oid % len(self.agencies)]
            first, last, middle = self.name()
            rows.append(
                self.person_row(
                    pid,
                    "official",
                    first,
                    last,
                    middle,
                    title=r.choice(OFFICIAL_TITLES),
                    organization_id=org_id,
                    level="federal" if jur == "US" else "state",
                    state=None if jur == "US" else jur,
                    email=f"{first[0].lower()}{pid}@agency.example",
                    phone=self.phone(301),
                )
            )
        self.official_ids = [row["id"] for row in rows[n:]]
        # Staff: a senator's office is large, a state legislator has one or two.
        live = [
            (pid, level, state, chamber)
            for pid, level, state, chamber, on in self.legislators
            if on
        ]
        office_size = [
            12 if lv == "federal" and ch == "upper" else 7 if lv == "federal" else 1
            for _, lv, _, ch in live
        ]
        employers = r.choices(live, weights=office_size, k=s.staff)
        self.employer_of: dict[int, int] = {}
        for (emp, level, state, _ch), pid in zip(
            employers, self.ids(Person.__table__, s.staff), strict=True
        ):
            first, last, middle = self.name()
            rows.append(
                self.person_row(
                    pid,
                    "staff",
                    first,
                    last,
                    middle,
                    title=r.choice(STAFF_TITLES),
                    level=level,
                    state=state,
                    email=f"{first[0].lower()}{slug(last)}.{pid}@staff.example",
                    phone=self.phone(202 if level == "federal" else 512),
                )
            )
            self.employer_of[pid] = emp
        for k in range(0, len(rows), 5000):
            self.insert(Person.__table__, rows[k : k + 5000])
        self.cadence = {row["id"]: row["cadence_days"] for row in rows if row["cadence_days"]}

    def offices(self) -> None:
        r, rows = self.rnd, []
        for pid, level, state, _chamber, _on in self.legislators:
            where = "Washington, DC 20510" if level == "federal" else f"State Capitol, {state}"
            rows.append(
                dict(
                    person_id=pid,
                    kind="capitol",
                    label="Capitol",
                    position=0,
                    address=f"{r.randrange(100, 999)} Capitol Building\n{where}",
                    phone=self.phone(202 if level == "federal" else 512),
                )
            )
            if r.random() < 0.6:
                rows.append(
                    dict(
                        person_id=pid,
                        kind="district",
                        label="District",
                        position=1,
                        address=f"{r.randrange(10, 9999)} Main Street\nSpringfield, {state}",
                        phone=self.phone(555),
                    )
                )
        for oid, row in zip(self.ids(Office.__table__, len(rows)), rows, strict=True):
            row["id"] = oid
        self.insert(Office.__table__, rows)

    def staff_roles(self) -> None:
        r, rows = self.rnd, []
        today = self.now.date()
        live = [pid for pid, _lv, _st, _ch, on in self.legislators if on]
        for staff_id, emp in self.employer_of.items():
            start = today - timedelta(days=r.randrange(30, 3000))
            if r.random() < 0.12:  # moved offices: the old role ended when this one began
                rows.append(
                    dict(
                        staff_id=staff_id,
                        employer_id=r.choice(live),
                        title="Legislative Assistant",
                        portfolio=r.choice(PORTFOLIOS),
                        start_date=start - timedelta(days=r.randrange(200, 1500)),
                        end_date=start,
                    )
                )
            rows.append(
                dict(
                    staff_id=staff_id,
                    employer_id=emp,
                    title=r.choice(STAFF_TITLES),
                    portfolio=r.choice(PORTFOLIOS),
                    start_date=start,
                    end_date=None,
                )
            )
        for rid, row in zip(self.ids(StaffRole.__table__, len(rows)), rows, strict=True):
            row.update(id=rid, organization_id=None)
        self.insert(StaffRole.__table__, rows)

    def committees(self) -> None:
        r, k = self.rnd, self.s.committees_per_chamber
        parents, subs, by_seat = [], [], {}
        for jur in ["US", *STATES]:
            level = "federal" if jur == "US" else "state"
            for chamber in ("upper", "lower"):
                names = COMMITTEES[:k]
                seat = []
                for j, cid in enumerate(self.ids(Committee.__table__, len(names))):
                    code = f"{jur}{'S' if chamber == 'upper' else 'H'}{j:02d}"
                    parents.append(
                        dict(
                            id=cid,
                            name=names[j],
                            level=level,
                            jurisdiction=jur,
                            chamber=chamber,
                            code=code,
                            parent_id=None,
                            active=True,
                            created_at=self.now,
                            updated_at=self.now,
                        )
                    )
                    seat.append([cid])
                if jur == "US":  # immigration and health subcommittees, where our bills go
                    for j, sub in ((0, "Immigration"), (1, "Health")):
                        if j < len(seat):
                            (sid,) = self.ids(Committee.__table__, 1)
                            subs.append(
                                dict(
                                    id=sid,
                                    name=sub,
                                    level=level,
                                    jurisdiction=jur,
                                    chamber=chamber,
                                    code=f"{parents[-len(seat) + j]['code']}01",
                                    parent_id=seat[j][0],
                                    active=True,
                                    created_at=self.now,
                                    updated_at=self.now,
                                )
                            )
                            seat[j].append(sid)
                by_seat[(jur, chamber)] = seat
        self.insert(Committee.__table__, parents)
        self.insert(Committee.__table__, subs)
        rows, size = [], {}
        for pid, level, state, chamber, on in self.legislators:
            if not on:
                continue
            seat = by_seat[("US" if level == "federal" else state, chamber)]
            for group in r.sample(seat, k=min(len(seat), r.randint(1, 3))):
                for cid in group[:1] + [c for c in group[1:] if r.random() < 0.4]:
                    size[cid] = size.get(cid, 0) + 1
                    role = {1: "chair", 2: "ranking member"}.get(size[cid], "member")
                    rows.append(
                        dict(
                            committee_id=cid,
                            person_id=pid,
                            role=role,
                            rank=size[cid],
                            side="majority" if size[cid] % 2 else "minority",
                        )
                    )
        for mid, row in zip(self.ids(CommitteeMembership.__table__, len(rows)), rows, strict=True):
            row.update(id=mid, title=None)
        self.insert(CommitteeMembership.__table__, rows)

    # ---- the contact log ----

    def interactions(self) -> None:
        r, s, now = self.rnd, self.s, self.now
        span = s.years * 365 * 86400
        # Offices: a legislator with their current staff, or an agency official alone.
        group = {pid: [pid] for pid, *_ in self.legislators}
        for staff_id, emp in self.employer_of.items():
            group[emp].append(staff_id)
        for pid in self.official_ids:
            group[pid] = [pid]
        federal = {pid for pid, level, *_ in self.legislators if level == "federal"}
        offices = list(group)
        weights = [
            0.0
            if r.random() < s.never_contacted
            else r.lognormvariate(0, 1.4) * (3 if o in federal else 1)
            for o in offices
        ]
        office_cum = list(accumulate(weights))
        member_cum = list(accumulate(self.member_weight))
        kind = weighted(r, KINDS)
        self.last: dict[int, tuple[datetime, int]] = {}
        table = Interaction.__table__
        # Secondary indexes are built once at the end: faster than maintaining them row by row.
        links = (interaction_people, interaction_members, interaction_issues, interaction_bills)
        later = [ix for t in (table, *links) for ix in t.indexes]
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        for ix in later:
            ix.drop(self.conn)
        made = 0
        while made < s.interactions:
            n = min(s.chunk, s.interactions - made)
            ids = self.ids(table, n)
            picked = r.choices(offices, cum_weights=office_cum, k=n)
            loggers = r.choices(self.user_ids, cum_weights=member_cum, k=n)
            rows, people, members, issues, bills = [], [], [], [], []
            for iid, office, logged_by in zip(ids, picked, loggers, strict=True):
                grp = group[office]
                contacted = [
                    grp[1 + r.randrange(len(grp) - 1)]
                    if len(grp) > 1 and r.random() < 0.6
                    else office
                ]
                extra = r.random()
                extra = 2 if extra < 0.04 else 1 if extra < 0.18 else 0
                for _ in range(min(extra, len(grp) - 1)):
                    other = r.choice(grp)
                    if other not in contacted:
                        contacted.append(other)
                when = now - timedelta(seconds=r.randrange(span))
                present = {logged_by}
                roll = r.random()
                for _ in range(2 if roll < 0.08 else 1 if roll < 0.3 else 0):
                    present.add(r.choice(self.user_ids))
                roll = r.random()
                topics = (
                    []
                    if roll < 0.2
                    else [self.pick_issue()]
                    if roll < 0.85
                    else list(dict.fromkeys([self.pick_issue(), self.pick_issue()]))
                )
                slug = self.issue_slugs[topics[0]] if topics else None
                deleted = r.random() < 0.005
                created = min(now, when + timedelta(seconds=r.randrange(3 * 86400)))
                rows.append(
                    dict(
                        id=iid,
                        kind=kind(),
                        occurred_at=when,
                        subject=r.choice(SUBJECTS[slug])
                        if slug in SUBJECTS
                        else "Check-in with the office",
                        notes=" ".join(r.choices(WORDS, k=r.randint(8, 40)))
                        if r.random() < 0.4
                        else None,
                        outcome=r.choice(OUTCOMES) or None if r.random() < 0.3 else None,
                        private=r.random() < 0.04,
                        logged_by_id=logged_by,
                        source="web" if r.random() < 0.92 else "import",
                        submission_key=None,
                        created_at=created,
                        updated_at=created,
                        deleted_at=created if deleted else None,
                        version=1,
                    )
                )
                people += [
                    dict(interaction_id=iid, person_id=p, occurred_at=when) for p in contacted
                ]
                members += [
                    dict(interaction_id=iid, user_id=u, occurred_at=when) for u in sorted(present)
                ]
                issues += [dict(interaction_id=iid, issue_id=i) for i in topics]
                if r.random() < 0.05:
                    bills.append(dict(interaction_id=iid, bill_id=r.choice(self.bill_ids)))
                if not deleted:
                    self.touch(contacted, when, logged_by)
            self.insert(table, rows)
            self.insert(interaction_people, people)
            self.insert(interaction_members, members)
            self.insert(interaction_issues, issues)
            self.insert(interaction_bills, bills)
            made += n
            if made % 50_000 < n or made == s.interactions:
                self.log(f"  interactions: {made:,}")
        for ix in later:
            ix.create(self.conn)

    def touch(self, contacted: list[int], when: datetime, by: int) -> None:
        """What log_interaction does: the people and their staff's offices move forward."""
        for pid in {*contacted, *(self.employer_of[p] for p in contacted if p in self.employer_of)}:
            last = self.last.get(pid)
            if last is None or when > last[0]:
                self.last[pid] = (when, by)

    def last_contact(self) -> None:
        people = Person.__table__
        stmt = (
            sa.update(people)
            .where(people.c.id == sa.bindparam("pid"))
            .values(
                last_contacted_at=sa.bindparam("at"),
                last_contacted_by_id=sa.bindparam("by"),
                next_touch_due=sa.bindparam("due"),
            )
        )
        rows = [
            dict(pid=pid, at=at, by=by, due=touch_due(at, self.cadence.get(pid)))
            for pid, (at, by) in sorted(self.last.items())
        ]
        for k in range(0, len(rows), 5000):
            self.conn.execute(stmt, rows[k : k + 5000])
        self.summary.counts["people contacted"] = len(rows)

    def search_index(self) -> None:
        """The search index, as the app keeps it on every write (rows inserted here bypass it)."""
        for kind, n in rebuild_index(self.conn).items():
            self.summary.counts[f"search index: {kind}"] = n

    def analyze(self) -> None:
        """Plans as in steady state: statistics, and PostgreSQL sequences past the inserted ids."""
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if conn.dialect.name == "postgresql":
                for name in self.next_ids:
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
                tables = [
                    *self.next_ids,
                    "bill_issues",
                    "interaction_people",
                    "interaction_members",
                    "interaction_issues",
                    "interaction_bills",
                    "search_names",
                    "search_texts",
                ]
                conn.execute(sa.text(f"VACUUM ANALYZE {', '.join(tables)}"))
            else:
                conn.execute(sa.text("ANALYZE"))


@click.command()
@click.option("--small", is_flag=True, help="The small scale the tests use.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--now", "now_text", default=None, help="ISO time the history ends (default: now).")
@click.option("--legislators", type=int, default=None)
@click.option("--officials", type=int, default=None)
@click.option("--staff", type=int, default=None)
@click.option("--members", type=int, default=None)
@click.option("--interactions", type=int, default=None)
@click.option("--years", type=int, default=None)
def main(small, seed, now_text, **counts):
    """Fill the app's empty, migrated database with coalition-scale benchmark data."""
    from crm import create_app
    from crm.clock import utcnow

    overrides = {k: v for k, v in counts.items() if v is not None}
    scale = Scale.small(**overrides) if small else Scale(**overrides)
    now = datetime.fromisoformat(now_text) if now_text else utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    with create_app().app_context():
        try:
            summary = generate(scale, seed=seed, now=now, log=click.echo)
        except NotEmpty as e:
            raise click.ClickException(str(e)) from None
    for table, n in summary.counts.items():
        click.echo(f"{table}: {n:,}")
    click.echo(
        f"done in {summary.seconds}s; sign in as {summary.logins.get('member')} "
        f"(password: bench.BENCH_PASSWORD)"
    )


__all__ = ["BENCH_PASSWORD", "NotEmpty", "Scale", "Summary", "generate"]

if __name__ == "__main__":
    main()

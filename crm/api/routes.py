"""/api/v1: the directory, the log, outreach and policy as JSON, for a token's user.

Reads go through the models' visibility rules (Interaction.visible_to, Position.visible_to,
Assignment.visible_to); writes call the same services as the pages. Lists are ordered by id
and paged by an opaque cursor; single resources carry an ETag, and PATCH needs If-Match.
"""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask import abort, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from crm.api import schemas as s
from crm.api.auth import api_user, audit_write, authenticate
from crm.assignments import services as assignments
from crm.clock import utcnow
from crm.errors import Conflict, DomainError, NotAllowed
from crm.extensions import db
from crm.interactions import services as interactions
from crm.models import (
    Assignment,
    Bill,
    Campaign,
    Committee,
    Interaction,
    Issue,
    Organization,
    Person,
    Position,
    StaffRole,
    fold,
)
from crm.organizations.services import OrgFilter, get_organization
from crm.people import services as people
from crm.people.filters import filter_from_dict
from crm.policy.positions import PositionInput, Subject

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The coalition's directory, contacts, outreach and positions.",
)
bp.before_request(authenticate)
bp.after_request(audit_write)


def documented(*codes):
    """Decorator: document these error codes as problem-details responses in the OpenAPI spec."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=s.Problem, content_type="application/problem+json")(
                view
            )
        return view

    return decorate


def page(stmt: sa.Select, model, args: dict, *options) -> dict:
    """One page of a list in id order, after the cursor; `next_cursor` is None at the end."""
    after, limit = args.get("cursor") or 0, args["limit"]
    rows = list(
        db.session.scalars(
            stmt.where(model.id > after).order_by(model.id).limit(limit + 1).options(*options)
        ).unique()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": s.encode_cursor(rows[-1].id) if more and rows else None}


def found(loader, *args):
    """What the service loader returns for these arguments; 404 when it raises LookupError."""
    try:
        return loader(*args)
    except LookupError:
        abort(404)


def get_or_404(model, record_id: int):
    """The record of this model with this id; 404 when missing or soft-deleted."""
    row = db.session.get(model, record_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        abort(404)
    return row


def run_service(call):
    """A service's domain errors as problems: a broken rule 422 (naming the field), not
    allowed 403, changed meanwhile 412."""
    try:
        return call()
    except assignments.CollisionWarning as e:
        abort(409, e.message + " Send acknowledge_collisions: true to go ahead.")
    except NotAllowed as e:
        abort(403, e.message)
    except Conflict:
        abort(412)
    except DomainError as e:
        abort(422, e.message) if not e.field else abort_fields({e.field: [e.message]})


def abort_fields(errors: dict):
    """Answer 422 with these per-field errors (as webargs reports invalid JSON)."""
    from flask_smorest import abort as smorest_abort

    smorest_abort(422, messages={"json": errors})


# ---- the directory ----

COMMON = (401, 403, 404, 422, 429)


@bp.route("/people")
class PeopleList(MethodView):
    """/api/people: list and add people."""

    @bp.arguments(s.PersonArgs, location="query")
    @bp.response(200, s.page_of(s.PersonOut, "Person"))
    @documented(*COMMON)
    def get(self, args):
        """People in the directory, with the directory's filters (in office unless asked)."""
        filters = {k: v for k, v in args.items() if k not in ("cursor", "limit")}
        flt = filter_from_dict(filters)
        return page(flt.apply(sa.select(Person), utcnow(), viewer=api_user()), Person, args)

    @bp.arguments(s.PersonIn)
    @bp.response(201, s.PersonOut)
    @documented(*COMMON, 409)
    def post(self, data):
        """Add a person (coordinators)."""
        return run_service(lambda: people.create_person(api_user(), data, utcnow()))


@bp.route("/people/<id:person_id>")
class PersonItem(MethodView):
    """/api/people/<id>: read and change one person."""

    @bp.etag
    @bp.response(200, s.PersonOut)
    @documented(*COMMON)
    def get(self, person_id):
        """One person."""
        return found(people.get_person, person_id, api_user())

    @bp.etag
    @bp.arguments(s.PersonIn)
    @bp.response(200, s.PersonOut)
    @documented(*COMMON, 409, 412, 428)
    def patch(self, data, person_id):
        """Change some of a person's fields (coordinators); needs If-Match."""
        person = found(people.get_person, person_id, api_user())
        bp.check_etag(person, s.PersonOut)
        current = {k: getattr(person, k) for k in people.EDITABLE}
        return run_service(
            lambda: people.update_person(
                api_user(), person, {**current, **data}, person.version, utcnow()
            )
        )


@bp.route("/organizations")
class OrganizationList(MethodView):
    """/api/organizations: list organizations."""

    @bp.arguments(s.OrganizationArgs, location="query")
    @bp.response(200, s.page_of(s.OrganizationOut, "Organization"))
    @documented(*COMMON)
    def get(self, args):
        """Agencies, offices, programs and boards, filtered as on the organizations page."""
        flt = OrgFilter.from_args(
            {k: str(v) for k, v in args.items() if k in ("q", "kind", "jurisdiction")}
        )
        return page(flt.apply(sa.select(Organization)), Organization, args)


@bp.route("/organizations/<id:org_id>")
class OrganizationItem(MethodView):
    """/api/organizations/<id>: read one organization."""

    @bp.etag
    @bp.response(200, s.OrganizationOut)
    @documented(*COMMON)
    def get(self, org_id):
        """One organization."""
        return found(get_organization, org_id, api_user())


@bp.route("/staff-roles")
class StaffRoleList(MethodView):
    """/api/staff-roles: list staff roles."""

    @bp.arguments(s.StaffRoleArgs, location="query")
    @bp.response(200, s.page_of(s.StaffRoleOut, "StaffRole"))
    @documented(*COMMON)
    def get(self, args):
        """Who works for whom, with start and end dates (history kept)."""
        stmt = sa.select(StaffRole)
        for key in ("staff_id", "employer_id", "organization_id"):
            if args.get(key):
                stmt = stmt.where(getattr(StaffRole, key) == args[key])
        if args.get("current"):
            stmt = stmt.where(StaffRole.end_date.is_(None))
        return page(stmt, StaffRole, args)


@bp.route("/committees")
class CommitteeList(MethodView):
    """/api/committees: list committees."""

    @bp.arguments(s.CommitteeArgs, location="query")
    @bp.response(200, s.page_of(s.CommitteeOut, "Committee"))
    @documented(*COMMON)
    def get(self, args):
        """Committees and subcommittees, federal and state."""
        stmt = sa.select(Committee)
        for key in ("level", "jurisdiction", "chamber"):
            if args.get(key):
                stmt = stmt.where(getattr(Committee, key) == args[key])
        for word in fold(args.get("q") or "").split()[:5]:
            stmt = stmt.where(sa.func.lower(Committee.name).contains(word, autoescape=True))
        return page(stmt, Committee, args)


@bp.route("/committees/<id:committee_id>")
class CommitteeItem(MethodView):
    """/api/committees/<id>: read one committee with its members."""

    @bp.etag
    @bp.response(200, s.CommitteeDetail)
    @documented(*COMMON)
    def get(self, committee_id):
        """One committee with its members."""
        return get_or_404(Committee, committee_id)


# ---- the log ----


def interaction_data(data: dict, base: Interaction | None = None) -> interactions.InteractionData:
    """The quick log's input from JSON; for a PATCH, unsent fields keep their values."""

    def pick(key, default):
        if key in data:
            return data[key]
        return default

    if base is not None:
        ids = {
            k: [x.id for x in getattr(base, k)] for k in ("people", "members", "issues", "bills")
        }
        defaults = {k: getattr(base, k) for k in interactions.AUDITED} | ids  # organization_id too
    else:
        defaults = {
            "kind": "meeting",
            "occurred_at": utcnow(),
            "subject": None,
            "notes": None,
            "outcome": None,
            "private": False,
            "organization_id": None,
            "people": [],
            "members": [api_user().id],
            "issues": [],
            "bills": [],
        }
    positions = [
        PositionInput(
            person_id=p["person_id"],
            subject=Subject("issue", p["issue_id"])
            if p.get("issue_id")
            else Subject("bill", p.get("bill_id") or 0),
            stance=p["stance"],
            commitment=p.get("commitment"),
        )
        for p in data.get("positions", [])
    ]
    occurred = pick("occurred_at", defaults["occurred_at"])
    if occurred is not None and occurred.tzinfo is None:
        abort_fields({"occurred_at": ["Give a time zone (e.g. Z or +00:00)."]})
    return interactions.InteractionData(
        people=pick("people", defaults["people"]),
        occurred_at=occurred,
        kind=pick("kind", defaults["kind"]),
        subject=pick("subject", defaults["subject"]),
        notes=pick("notes", defaults["notes"]),
        outcome=pick("outcome", defaults["outcome"]),
        private=pick("private", defaults["private"]),
        members=pick("members", defaults["members"]),
        issues=pick("issues", defaults["issues"]),
        bills=pick("bills", defaults["bills"]),
        source="api" if base is None else base.source,
        positions=positions,
        complete_assignments=data.get("complete_assignments", []),
        organization_id=pick("organization_id", defaults["organization_id"]),
    )


LOADED = (
    selectinload(Interaction.people),
    selectinload(Interaction.members),
    selectinload(Interaction.issues),
    selectinload(Interaction.bills),
)


@bp.route("/interactions")
class InteractionList(MethodView):
    """/api/interactions: list and log contacts."""

    @bp.arguments(s.InteractionArgs, location="query")
    @bp.response(200, s.page_of(s.InteractionOut, "Interaction"))
    @documented(*COMMON)
    def get(self, args):
        """Contacts the token's user may see (private ones only for their audience)."""
        stmt = Interaction.visible_to(api_user())
        if args.get("kind"):
            stmt = stmt.where(Interaction.kind == args["kind"])
        if args.get("logged_by_id"):
            stmt = stmt.where(Interaction.logged_by_id == args["logged_by_id"])
        if args.get("person_id"):
            stmt = stmt.where(Interaction.people.any(Person.id == args["person_id"]))
        if args.get("organization_id"):
            stmt = stmt.where(Interaction.organization_id == args["organization_id"])
        return page(stmt, Interaction, args, *LOADED)

    @bp.arguments(s.InteractionIn)
    @bp.response(201, s.InteractionOut)
    @documented(*COMMON, 409)
    def post(self, data):
        """Log a contact, as the quick log does (same rules, notifications and privacy). An
        Idempotency-Key header makes a retried call return the first contact, not a copy."""
        key = (request.headers.get("Idempotency-Key") or "").strip()[:64] or None
        return run_service(
            lambda: interactions.log_interaction(
                api_user(), interaction_data(data), utcnow(), submission_key=key
            )
        )


@bp.route("/interactions/<id:interaction_id>")
class InteractionItem(MethodView):
    """/api/interactions/<id>: read and change one contact."""

    @bp.etag
    @bp.response(200, s.InteractionOut)
    @documented(*COMMON)
    def get(self, interaction_id):
        """One contact."""
        return found(interactions.get_interaction, interaction_id, api_user())

    @bp.etag
    @bp.arguments(s.InteractionPatch)
    @bp.response(200, s.InteractionOut)
    @documented(*COMMON, 412, 428)
    def patch(self, data, interaction_id):
        """Change a contact (its author or a coordinator); needs If-Match."""
        found_one = found(interactions.get_interaction, interaction_id, api_user())
        bp.check_etag(found_one, s.InteractionOut)
        return run_service(
            lambda: interactions.update_interaction(
                api_user(),
                found_one,
                interaction_data(data, found_one),
                found_one.version,
                utcnow(),
            )
        )


@bp.route("/positions")
class PositionList(MethodView):
    """/api/positions: list recorded positions."""

    @bp.arguments(s.PositionArgs, location="query")
    @bp.response(200, s.page_of(s.PositionOut, "Position"))
    @documented(*COMMON)
    def get(self, args):
        """Positions recorded (the history, oldest first; private contacts' only for their
        audience)."""
        stmt = Position.visible_to(api_user())
        for key in ("person_id", "issue_id", "bill_id"):
            if args.get(key):
                stmt = stmt.where(getattr(Position, key) == args[key])
        return page(stmt, Position, args)


# ---- outreach ----


def assignment_data(data: dict, base: Assignment | None = None) -> assignments.AssignmentData:
    """The service's AssignmentData from an API body, over the assignment's current values."""
    fields = ("assignee_id", *assignments.EDITABLE)
    start = {k: getattr(base, k) for k in fields} if base is not None else {"priority": "normal"}
    values = {**start, **{k: v for k, v in data.items() if k in fields}}
    return assignments.AssignmentData(
        **{k: values.get(k) for k in fields if k != "priority"},
        priority=values.get("priority") or "normal",
        source="api" if base is None else base.source,
    )


@bp.route("/assignments")
class AssignmentList(MethodView):
    """/api/assignments: list and create assignments."""

    @bp.arguments(s.AssignmentArgs, location="query")
    @bp.response(200, s.page_of(s.AssignmentOut, "Assignment"))
    @documented(*COMMON)
    def get(self, args):
        """Outreach work the token's user may see."""
        stmt = Assignment.visible_to(api_user()).where(Assignment.shown())
        for key in ("assignee_id", "person_id", "campaign_id", "status"):
            if args.get(key):
                stmt = stmt.where(getattr(Assignment, key) == args[key])
        return page(stmt, Assignment, args)

    @bp.arguments(s.AssignmentIn)
    @bp.response(201, s.AssignmentOut)
    @documented(*COMMON, 409)
    def post(self, data):
        """Give a member outreach to do (coordinators; a member only to themselves)."""
        return run_service(
            lambda: assignments.create_assignment(
                api_user(),
                assignment_data(data),
                utcnow(),
                acknowledge_collisions=bool(data.get("acknowledge_collisions")),
            )
        )


@bp.route("/assignments/<id:assignment_id>")
class AssignmentItem(MethodView):
    """/api/assignments/<id>: read and change one assignment."""

    @bp.etag
    @bp.response(200, s.AssignmentOut)
    @documented(*COMMON)
    def get(self, assignment_id):
        """One assignment."""
        return found(assignments.get_assignment, assignment_id, api_user())

    @bp.etag
    @bp.arguments(s.AssignmentPatch)
    @bp.response(200, s.AssignmentOut)
    @documented(*COMMON, 409, 412, 428)
    def patch(self, data, assignment_id):
        """Change what is asked or who does it, and/or its status; needs If-Match."""
        user = api_user()
        a = found(assignments.get_assignment, assignment_id, user)
        bp.check_etag(a, s.AssignmentOut)
        now = utcnow()
        status = data.pop("status", None)
        ack = bool(data.pop("acknowledge_collisions", False))
        if data:
            new = assignment_data(data, a)
            if asdict(new) != asdict(assignment_data({}, a)):
                run_service(
                    lambda: assignments.update_assignment(
                        user, a, new, a.version, now, acknowledge_collisions=ack
                    )
                )
        if status is not None:
            run_service(lambda: assignments.set_status(user, a, status, now, a.version))
        return a


@bp.route("/campaigns")
class CampaignList(MethodView):
    """/api/campaigns: list campaigns."""

    @bp.arguments(s.ListArgs, location="query")
    @bp.response(200, s.page_of(s.CampaignOut, "Campaign"))
    @documented(*COMMON)
    def get(self, args):
        """Outreach campaigns."""
        return page(sa.select(Campaign).where(Campaign.deleted_at.is_(None)), Campaign, args)


@bp.route("/campaigns/<id:campaign_id>")
class CampaignItem(MethodView):
    """/api/campaigns/<id>: read one campaign."""

    @bp.etag
    @bp.response(200, s.CampaignOut)
    @documented(*COMMON)
    def get(self, campaign_id):
        """One campaign."""
        return get_or_404(Campaign, campaign_id)


# ---- policy ----


@bp.route("/issues")
class IssueList(MethodView):
    """/api/issues: list issues."""

    @bp.arguments(s.ListArgs, location="query")
    @bp.response(200, s.page_of(s.IssueOut, "Issue"))
    @documented(*COMMON)
    def get(self, args):
        """The coalition's issues."""
        return page(sa.select(Issue), Issue, args)


@bp.route("/issues/<id:issue_id>")
class IssueItem(MethodView):
    """/api/issues/<id>: read one issue."""

    @bp.etag
    @bp.response(200, s.IssueOut)
    @documented(*COMMON)
    def get(self, issue_id):
        """One issue."""
        return get_or_404(Issue, issue_id)


@bp.route("/bills")
class BillList(MethodView):
    """/api/bills: list bills."""

    @bp.arguments(s.BillArgs, location="query")
    @bp.response(200, s.page_of(s.BillOut, "Bill"))
    @documented(*COMMON)
    def get(self, args):
        """Bills, federal and state."""
        stmt = sa.select(Bill)
        if args.get("jurisdiction"):
            stmt = stmt.where(Bill.jurisdiction == args["jurisdiction"].upper())
        if "tracked" in args:
            stmt = stmt.where(Bill.tracked.is_(args["tracked"]))
        for word in (args.get("q") or "").lower().split()[:5]:
            stmt = stmt.where(
                sa.func.lower(Bill.title + " " + Bill.number).contains(word, autoescape=True)
            )
        return page(stmt, Bill, args, selectinload(Bill.issues))


@bp.route("/bills/<id:bill_id>")
class BillItem(MethodView):
    """/api/bills/<id>: read one bill."""

    @bp.etag
    @bp.response(200, s.BillOut)
    @documented(*COMMON)
    def get(self, bill_id):
        """One bill."""
        return get_or_404(Bill, bill_id)

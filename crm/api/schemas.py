"""The API's shapes (marshmallow): what each resource looks like, what a write accepts, and the
arguments of the lists. flask-smorest turns them into the OpenAPI document."""

from __future__ import annotations

import base64
import binascii

from marshmallow import Schema, ValidationError, fields, validate

from crm.models import ASSIGNMENT_STATUSES, INTERACTION_KINDS, PRIORITIES, STANCES


def Id(**kw) -> fields.Integer:  # noqa: N802  (a field factory, named like the fields)
    """An integer field for a record id (1 to 2**31 - 1)."""
    return fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), **kw)


def one_of(choices) -> validate.OneOf:
    """A validator accepting only these choices (listed sorted in the spec)."""
    return validate.OneOf(sorted(choices))


def ids_of(attr: str) -> fields.Function:
    """The ids of a linked list of records (a contact's people)."""
    return fields.Function(
        lambda obj: [x.id for x in getattr(obj, attr)],
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )


def Text(length: int | None = None, **kw) -> fields.String:  # noqa: N802
    """A string field, at most `length` characters when given."""
    return fields.String(validate=validate.Length(max=length) if length else None, **kw)


class Cursor(fields.String):
    """An opaque position in a list: where the previous page ended. Clients pass back the
    `next_cursor` they were given; its content is not part of the contract."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            raw = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4)).decode()
            kind, _, number = raw.partition(":")
            after = int(number)
        except (binascii.Error, UnicodeError, ValueError):
            raise ValidationError("Not a cursor this API gave out.") from None
        if kind != "id" or not 0 <= after < 2**31:
            raise ValidationError("Not a cursor this API gave out.")
        return after


def encode_cursor(after_id: int) -> str:
    """The opaque `next_cursor` for a page that ended at this id."""
    return base64.urlsafe_b64encode(f"id:{after_id}".encode()).decode().rstrip("=")


class ListArgs(Schema):
    """Query arguments every list takes: cursor and page size."""

    cursor = Cursor(metadata={"description": "`next_cursor` from the previous page."})
    limit = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=200), metadata={"example": 50}
    )


class Problem(Schema):
    """RFC 9457 problem details: every 4xx and 5xx under /api."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "Validation errors by field."})


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A schema for one page of these items plus the `next_cursor`."""
    return type(
        f"{name}Page",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as `cursor` for the next page; null at the end."},
            ),
        },
    )


# ---- the directory ----


class OrganizationOut(Schema):
    """An organization as the API returns it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    website = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(required=True)


class OrganizationArgs(ListArgs):
    """Filters of /api/organizations."""

    kind = Text(40)
    jurisdiction = Text(2)
    q = Text(100)


class PersonOut(Schema):
    """A person as the API returns it."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    full_name = fields.String(required=True)
    first_name = fields.String(allow_none=True)
    middle_name = fields.String(allow_none=True)
    last_name = fields.String(required=True)
    suffix = fields.String(allow_none=True)
    nickname = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    level = fields.String(allow_none=True)
    chamber = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    party = fields.String(allow_none=True)
    in_office = fields.Boolean(required=True)
    term_start = fields.Date(allow_none=True)
    term_end = fields.Date(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    contact_form = fields.String(allow_none=True)
    bioguide_id = fields.String(allow_none=True)
    openstates_id = fields.String(allow_none=True)
    tier = fields.String(required=True)
    holder_id = fields.Integer(allow_none=True)
    cadence_days = fields.Integer(allow_none=True)
    last_contacted_at = fields.DateTime(allow_none=True)
    last_contacted_by_id = fields.Integer(allow_none=True)
    next_touch_due = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    updated_at = fields.DateTime(required=True)


class PersonArgs(ListArgs):
    """The directory's filters (crm/people/filters.py reads them, as on the people page)."""

    q = Text(100)
    kind = Text(20)
    level = Text(10)
    chamber = Text(10)
    state = Text(2)
    party = Text(40)
    committee = Id()
    tier = Text(20)
    holder = Id()
    not_contacted_days = fields.Integer(validate=validate.Range(min=1, max=36500))
    never_contacted = fields.Boolean()
    include_out_of_office = fields.Boolean()
    position_issue = Id()
    position_stance = fields.List(fields.String(validate=one_of(STANCES)))


class PersonIn(Schema):
    """A person's editable fields (creating one needs `last_name`)."""

    kind = Text(20)
    first_name = Text(100, allow_none=True)
    middle_name = Text(100, allow_none=True)
    last_name = Text(100)
    suffix = Text(20, allow_none=True)
    nickname = Text(100, allow_none=True)
    title = Text(200, allow_none=True)
    organization_id = Id(allow_none=True)
    level = Text(10, allow_none=True)
    chamber = Text(10, allow_none=True)
    state = Text(2, allow_none=True)
    district = Text(20, allow_none=True)
    party = Text(40, allow_none=True)
    in_office = fields.Boolean()
    email = Text(254, allow_none=True)
    phone = Text(40, allow_none=True)
    website = Text(500, allow_none=True)
    contact_form = Text(500, allow_none=True)
    tier = Text(20)
    holder_id = Id(allow_none=True)
    cadence_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3650))
    notes = Text(20000, allow_none=True)


class StaffRoleOut(Schema):
    """A staff role (who works for whom, from when to when) as the API returns it."""

    id = fields.Integer(required=True)
    staff_id = fields.Integer(required=True)
    employer_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    title = fields.String(allow_none=True)
    portfolio = fields.String(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


class StaffRoleArgs(ListArgs):
    """Filters of /api/staff-roles."""

    staff_id = Id()
    employer_id = Id()
    organization_id = Id()
    current = fields.Boolean(metadata={"description": "Only roles without an end date."})


class MembershipOut(Schema):
    """A person's seat on a committee."""

    person_id = fields.Integer(required=True)
    role = fields.String(required=True)
    rank = fields.Integer(allow_none=True)
    side = fields.String(allow_none=True)


class CommitteeOut(Schema):
    """A committee as the API lists it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    jurisdiction = fields.String(required=True)
    chamber = fields.String(required=True)
    code = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    url = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class CommitteeDetail(CommitteeOut):
    """A committee with its memberships."""

    memberships = fields.List(fields.Nested(MembershipOut), required=True)


class CommitteeArgs(ListArgs):
    """Filters of /api/committees."""

    level = Text(10)
    jurisdiction = Text(2)
    chamber = Text(10)
    q = Text(100)


# ---- the log ----


class PositionStated(Schema):
    """A position stated during a contact (stance on an issue or bill, and any commitment)."""

    person_id = Id(required=True)
    issue_id = Id(allow_none=True)
    bill_id = Id(allow_none=True)
    stance = fields.String(required=True, validate=one_of(STANCES))
    commitment = Text(200, allow_none=True)


class InteractionOut(Schema):
    """A contact as the API returns it."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    occurred_at = fields.DateTime(required=True)
    subject = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    private = fields.Boolean(required=True)
    source = fields.String(required=True)
    logged_by_id = fields.Integer(required=True)
    organization_id = fields.Integer(allow_none=True)
    people = ids_of("people")
    members = ids_of("members")
    issues = ids_of("issues")
    bills = ids_of("bills")
    version = fields.Integer(required=True)
    updated_at = fields.DateTime(required=True)


class InteractionArgs(ListArgs):
    """Filters of /api/interactions."""

    person_id = Id()
    organization_id = Id()
    kind = fields.String(validate=one_of(INTERACTION_KINDS))
    logged_by_id = Id()


class InteractionIn(Schema):
    """A contact to log, as the quick log takes it; `occurred_at` defaults to now. At least
    one person or an organization."""

    people = fields.List(Id(), validate=validate.Length(max=50))
    organization_id = Id(allow_none=True)
    occurred_at = fields.AwareDateTime(default_timezone=None)
    kind = fields.String(validate=one_of(INTERACTION_KINDS))
    subject = Text(200, allow_none=True)
    notes = Text(50000, allow_none=True)
    outcome = Text(20000, allow_none=True)
    private = fields.Boolean()
    members = fields.List(Id(), validate=validate.Length(max=50))
    issues = fields.List(Id(), validate=validate.Length(max=50))
    bills = fields.List(Id(), validate=validate.Length(max=50))
    positions = fields.List(fields.Nested(PositionStated), validate=validate.Length(max=100))
    complete_assignments = fields.List(Id(), validate=validate.Length(max=50))


class InteractionPatch(InteractionIn):
    """The fields of a contact a PATCH may change (all optional)."""


# ---- outreach ----


class AssignmentOut(Schema):
    """An assignment as the API returns it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    person_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    issue_id = fields.Integer(allow_none=True)
    bill_id = fields.Integer(allow_none=True)
    campaign_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(required=True)
    created_by_id = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    priority = fields.String(required=True)
    status = fields.String(required=True)
    snoozed_until = fields.Date(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    source = fields.String(required=True)
    version = fields.Integer(required=True)
    updated_at = fields.DateTime(required=True)


class AssignmentArgs(ListArgs):
    """Filters of /api/assignments."""

    assignee_id = Id()
    person_id = Id()
    campaign_id = Id()
    status = fields.String(validate=one_of(ASSIGNMENT_STATUSES))


class AssignmentIn(Schema):
    """The body that creates an assignment."""

    title = Text(200, required=True)
    assignee_id = Id(required=True)
    person_id = Id(allow_none=True)
    organization_id = Id(allow_none=True)
    issue_id = Id(allow_none=True)
    bill_id = Id(allow_none=True)
    campaign_id = Id(allow_none=True)
    due_on = fields.Date(allow_none=True)
    priority = fields.String(validate=one_of(PRIORITIES))
    notes = Text(20000, allow_none=True)
    acknowledge_collisions = fields.Boolean(
        metadata={"description": "Go ahead although another member is working on this office."}
    )


class AssignmentPatch(AssignmentIn):
    """The fields of an assignment a PATCH may change, status included (all optional)."""

    title = Text(200)
    assignee_id = Id()
    status = fields.String(validate=one_of(ASSIGNMENT_STATUSES))


class CampaignOut(Schema):
    """A campaign as the API returns it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    goal = fields.String(allow_none=True)
    issue_id = fields.Integer(allow_none=True)
    bill_id = fields.Integer(allow_none=True)
    target_filter = fields.Dict(required=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    status = fields.String(required=True)
    created_by_id = fields.Integer(required=True)


# ---- policy ----


class PositionOut(Schema):
    """A recorded position as the API returns it."""

    id = fields.Integer(required=True)
    person_id = fields.Integer(required=True)
    issue_id = fields.Integer(allow_none=True)
    bill_id = fields.Integer(allow_none=True)
    stance = fields.String(required=True)
    commitment = fields.String(allow_none=True)
    commitment_status = fields.String(allow_none=True)
    recorded_by_id = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime(required=True)
    interaction_id = fields.Integer(allow_none=True)


class PositionArgs(ListArgs):
    """Filters of /api/positions."""

    person_id = Id()
    issue_id = Id()
    bill_id = Id()


class IssueOut(Schema):
    """An issue as the API returns it."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    description = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class BillOut(Schema):
    """A bill as the API returns it."""

    id = fields.Integer(required=True)
    jurisdiction = fields.String(required=True)
    session = fields.String(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    introduced_on = fields.Date(allow_none=True)
    chamber = fields.String(allow_none=True)
    latest_action_on = fields.Date(allow_none=True)
    latest_action = fields.String(allow_none=True)
    tracked = fields.Boolean(required=True)
    issues = ids_of("issues")


class BillArgs(ListArgs):
    """Filters of /api/bills."""

    jurisdiction = Text(2)
    tracked = fields.Boolean()
    q = Text(100)

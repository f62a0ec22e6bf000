"""Assignments: my work, the team view, one assignment and what can be done to it, follow-up
templates, and the calendar feed.

Two blueprints: "work" (a member's own lists) and "assignments" (records, the team view and the
feed), so the menu can show "My work" and "Assignments" as separate places.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import authz
from crm.assignments import calendar, followups, listing, services
from crm.assignments.collisions import CollisionWarning
from crm.assignments.forms import (
    AssignmentForm,
    CompleteForm,
    EditAssignmentForm,
    FollowUpTemplateForm,
    ReassignForm,
    SnoozeForm,
    StatusForm,
)
from crm.authz import public, requires
from crm.cadence.services import due_for_touch
from crm.campaigns.services import campaign_choices
from crm.clock import local_today, utcnow
from crm.errors import Conflict, DomainError, apply_to_form
from crm.forms import EmptyForm, conflict_view
from crm.ids import parse_id
from crm.interactions.services import picked_names, picker_context
from crm.views import get_or_404, page_arg, render_form

work_bp = Blueprint("work", __name__)
bp = Blueprint("assignments", __name__)


@work_bp.get("/my-work")
def my_work():
    """What I owe and when: overdue, due soon, later, snoozed; and my people due for a touch."""
    now = utcnow()
    _, touch = due_for_touch(now, current_user.timezone, holder_id=current_user.id, limit=50)
    return render_template(
        "assignments/my_work.html",
        work=listing.my_work(current_user, now),
        touch=touch,
        form=EmptyForm(),
    )


@work_bp.get("/touch")
def touch():
    """People whose keep-in-touch date is near or past, by holder (mine by default)."""
    holder_id = parse_id(request.args.get("holder", current_user.id))
    today, people = due_for_touch(utcnow(), current_user.timezone, holder_id=holder_id)
    return render_template(
        "assignments/touch.html",
        people=people,
        today=today,
        holder_id=holder_id,
        choices=listing.team_choices(),
    )


@bp.get("/assignments")
@requires("coordinator")
def team():
    """Everyone's assignments, filtered by assignee, status, campaign, due range, overdue."""
    flt = listing.TeamFilter.from_args(request.args)
    today = local_today(utcnow(), current_user.timezone)
    page = listing.team_page(flt, page=page_arg(), per_page=50, today=today, viewer=current_user)
    return render_template(
        "assignments/team.html",
        flt=flt,
        page=page,
        today=today,
        statuses=listing.TEAM_STATUSES,
        choices=listing.team_choices(),
    )


COLLISION_NOTE = (
    "Someone else is already on this office. Check below, then tick “Assign anyway” to go ahead."
)


def assignment_form(obj=None, **kwargs) -> AssignmentForm:
    """The assignment form with its member, campaign, issue, bill and office choices filled."""
    form = (AssignmentForm if obj is None else EditAssignmentForm)(obj=obj, **kwargs)
    choices = listing.team_choices()
    extra = campaign_choices()
    blank = [("", "—")]
    form.assignee_id.choices = [(str(m.id), m.name) for m in choices["members"]]
    form.campaign_id.choices = blank + [(str(c.id), c.name) for c in choices["campaigns"]]
    form.issue_id.choices = blank + [(str(i.id), i.name) for i in extra["issues"]]
    form.bill_id.choices = blank + [(str(b.id), b.label) for b in extra["bills"]]
    form.organization_id.choices = blank + [(str(o.id), o.name) for o in listing.office_choices()]
    return form


def form_data(form: AssignmentForm, person_id: int | None) -> services.AssignmentData:
    """The service's AssignmentData from the submitted form (an office only without a person)."""
    return services.AssignmentData(
        title=form.title.data or "",
        assignee_id=form.assignee_id.data,
        person_id=person_id,
        organization_id=form.organization_id.data if person_id is None else None,
        issue_id=form.issue_id.data,
        bill_id=form.bill_id.data,
        campaign_id=form.campaign_id.data,
        due_on=form.due_on.data,
        priority=form.priority.data,
        notes=form.notes.data or None,
    )


def assignment_page(form, assignment=None, collisions=None, conflict=None):
    """Render the assignment form with collision warnings (422 with errors, 409 on a conflict)."""
    return render_form(
        "assignments/form.html",
        form=form,
        assignment=assignment,
        warnings=collisions or [],
        conflict=conflict,
        **picker_context(form),
    )


@bp.route("/assignments/new", methods=["GET", "POST"])
@requires("coordinator")
def create():
    """Give outreach to a member: one assignment per person chosen (or one for an office)."""
    form = assignment_form()
    if request.method == "GET":
        if parse_id(request.args.get("person")):
            form.people.data = [parse_id(request.args["person"])]
        if parse_id(request.args.get("campaign")):
            form.campaign_id.data = parse_id(request.args["campaign"])
    collisions = []
    if form.validate_on_submit():
        try:
            made = services.create_assignments(
                current_user,
                form_data(form, None),
                form.people.data or [],
                utcnow(),
                acknowledge_collisions=form.acknowledge.data,
            )
        except CollisionWarning as e:
            collisions = e.people
            form.form_errors.append(COLLISION_NOTE)
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(
                f"Assigned {len(made)} to {made[0].assignee.name}."
                if len(made) > 1
                else f"Assigned to {made[0].assignee.name}.",
                "success",
            )
            if len(made) == 1:
                return redirect(url_for("assignments.show", assignment_id=made[0].id))
            return redirect(url_for("assignments.team", assignee=made[0].assignee_id))
    return assignment_page(form, collisions=collisions)


@bp.get("/assignments/<id:assignment_id>")
def show(assignment_id: int):
    """One assignment: target, due date, status, what can be done to it."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    today = local_today(utcnow(), current_user.timezone)
    reassign = ReassignForm(assignee_id=a.assignee_id, version=a.version)
    reassign.assignee_id.choices = [(str(m.id), m.name) for m in listing.team_choices()["members"]]
    return render_template(
        "assignments/show.html",
        a=a,
        today=today,
        form=EmptyForm(),
        reassign=reassign,
        overdue=a.deleted_at is None and a.is_overdue(today),
        completing_contact=services.completing_contact(a, current_user),
    )


@bp.route("/assignments/<id:assignment_id>/edit", methods=["GET", "POST"])
def edit(assignment_id: int):
    """Change what is asked (a coordinator, or a member for work they gave themselves)."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    if not authz.can_edit_assignment(current_user, a):
        abort(403)
    form = assignment_form(a)
    if request.method == "GET":
        form.people.data = [a.person_id] if a.person_id else []
        form.version.data = a.version
    if not current_user.is_coordinator:
        form.assignee_id.choices = [(str(current_user.id), current_user.name)]
    collisions, conflict = [], None
    if form.validate_on_submit():
        try:
            services.update_assignment(
                current_user,
                a,
                form_data(form, (form.people.data or [None])[0]),
                parse_id(form.version.data) or 0,
                utcnow(),
                acknowledge_collisions=form.acknowledge.data,
            )
        except CollisionWarning as e:
            collisions = e.people
            form.form_errors.append(COLLISION_NOTE)
        except Conflict:
            # Someone saved first: their values beside mine; posting again saves mine.
            theirs = assignment_form(a, formdata=None)
            theirs.people.data = [a.person_id] if a.person_id else []
            conflict = conflict_view(form, theirs, picked_names(), skip=("acknowledge",))
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Saved.", "success")
            return redirect(url_for("assignments.show", assignment_id=a.id))
    return assignment_page(form, assignment=a, collisions=collisions, conflict=conflict)


def back(a) -> str:
    """Where to go after acting on an assignment: the safe `next`, else the assignment's page."""
    return authz.safe_next(
        request.form.get("next"), url_for("assignments.show", assignment_id=a.id)
    )


def version_of(form) -> int | None:
    """The version the form was shown at, for the optimistic-lock check."""
    return parse_id(form.version.data)


@bp.post("/assignments/<id:assignment_id>/status")
def set_status(assignment_id: int):
    """Start, finish, cancel or reopen an assignment."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.set_status(current_user, a, form.status.data, utcnow(), version_of(form))
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(
                f"“{a.title}” is now {services.ASSIGNMENT_STATUSES[a.status].lower()}.", "success"
            )
    return redirect(back(a))


@bp.post("/assignments/<id:assignment_id>/complete")
def complete(assignment_id: int):
    """Mark done, linking the contact that did it when one is given."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    form = CompleteForm()
    if form.validate_on_submit():
        try:
            services.complete(
                current_user,
                a,
                utcnow(),
                interaction_id=form.interaction_id.data,
                expected_version=version_of(form),
            )
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(f"“{a.title}” is done.", "success")
    return redirect(back(a))


@bp.post("/assignments/<id:assignment_id>/snooze")
def snooze(assignment_id: int):
    """Hide open work until a date (or for N days); an empty date wakes it up."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    form = SnoozeForm()
    if form.validate_on_submit():
        try:
            a = services.snooze(
                current_user, a, form.until.data, utcnow(), version_of(form), days=form.days.data
            )
        except DomainError as e:
            flash(e.message, "danger")
        else:
            until = a.snoozed_until
            flash(f"Snoozed until {until:%b %-d}." if until else "Woken up.", "success")
    else:
        flash("Choose a date to snooze until.", "danger")
    return redirect(back(a))


@bp.post("/assignments/<id:assignment_id>/reassign")
@requires("coordinator")
def reassign(assignment_id: int):
    """Hand open work to another member."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    form = ReassignForm()
    if form.validate_on_submit():
        try:
            services.reassign(
                current_user,
                a,
                form.assignee_id.data,
                version_of(form),
                utcnow(),
                acknowledge_collisions=form.acknowledge.data,
            )
        except CollisionWarning as e:
            flash(e.message + " Tick “Reassign anyway” to go ahead.", "warning")
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(f"Reassigned to {a.assignee.name}.", "success")
    return redirect(back(a))


@bp.post("/assignments/<id:assignment_id>/delete")
@requires("coordinator")
def delete(assignment_id: int):
    """Soft-delete an assignment (restorable)."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    if EmptyForm().validate_on_submit():
        services.delete_assignment(current_user, a, utcnow())
        flash("The assignment was deleted. You can restore it from its page.", "info")
    return redirect(url_for("assignments.show", assignment_id=a.id))


@bp.post("/assignments/<id:assignment_id>/restore")
@requires("coordinator")
def restore(assignment_id: int):
    """Bring back a deleted assignment."""
    a = get_or_404(services.get_assignment, assignment_id, current_user)
    if EmptyForm().validate_on_submit():
        services.restore_assignment(current_user, a, utcnow())
        flash("The assignment was restored.", "success")
    return redirect(url_for("assignments.show", assignment_id=a.id))


@bp.route("/assignments/follow-ups", methods=["GET", "POST"])
@requires("coordinator")
def follow_ups():
    """The follow-ups the quick log offers: add one, or change one below."""
    form = FollowUpTemplateForm()
    if form.validate_on_submit():
        try:
            followups.save_template(current_user, None, **form.template_data(), now=utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"“{form.label.data}” is now offered in the quick log.", "success")
            return redirect(url_for("assignments.follow_ups"))
    return render_form(
        "assignments/follow_ups.html", form=form, templates=followups.all_templates()
    )


@bp.post("/assignments/follow-ups/<id:template_id>")
@requires("coordinator")
def update_follow_up(template_id: int):
    """Change a follow-up's label, delay, order, or whether it is offered."""
    template = get_or_404(followups.get_template, template_id)
    form = FollowUpTemplateForm(prefix=f"t{template_id}")
    if form.validate_on_submit():
        try:
            followups.save_template(current_user, template, **form.template_data(), now=utcnow())
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash("Saved.", "success")
    else:
        flash(" ".join(err for errs in form.errors.values() for err in errs), "danger")
    return redirect(url_for("assignments.follow_ups"))


@bp.get("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """My open assignments as a calendar to subscribe to (secret URL; regenerate to revoke)."""
    body = get_or_404(calendar.feed, token, utcnow())
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="assignments.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )

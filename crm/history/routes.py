"""History tabs of people, contacts and assignments; the admin audit log; the trash."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.assignments.services import get_assignment
from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError
from crm.forms import EmptyForm
from crm.history import services
from crm.ids import parse_id
from crm.interactions.services import get_interaction
from crm.people.services import get_person
from crm.views import get_or_404, page_arg

bp = Blueprint("history", __name__)


@bp.get("/people/<id:person_id>/history")
def person(person_id: int):
    """Who changed this person, and their contacts, positions and assignments."""
    record = get_or_404(get_person, person_id, current_user)
    page = services.person_history(record, current_user, page_arg())
    return render_template("history/person.html", person=record, page=page)


@bp.get("/interactions/<id:interaction_id>/history")
def interaction(interaction_id: int):
    """Who logged and changed this contact (only for those who may see it)."""
    record = get_or_404(get_interaction, interaction_id, current_user)
    page = services.interaction_history(record, current_user, page_arg())
    return render_template("history/interaction.html", interaction=record, page=page)


@bp.get("/assignments/<id:assignment_id>/history")
def assignment(assignment_id: int):
    """Who gave, reassigned, snoozed and finished this assignment."""
    record = get_or_404(get_assignment, assignment_id, current_user)
    page = services.assignment_history(record, current_user, page_arg())
    return render_template("history/assignment.html", a=record, page=page)


@bp.get("/admin/audit")
@requires("admin")
def audit():
    """The audit log with filters by member, kind of record, action, dates and record."""
    flt = services.AuditFilter.from_args(request.args)
    page = services.audit_log(current_user, flt, page_arg()) if not flt.errors else None
    return render_template(
        "history/audit.html",
        flt=flt,
        page=page,
        actors=services.actor_choices(),
        kinds=services.KINDS,
        actions=services.ACTIONS,
    ), 422 if flt.errors else 200


@bp.get("/trash")
@requires("coordinator")
def trash():
    """Deleted people, contacts, assignments and campaigns, with who deleted them and when."""
    return render_template(
        "history/trash.html", sections=services.trash(current_user), form=EmptyForm()
    )


@bp.post("/trash/restore")
@requires("coordinator")
def restore():
    """Bring one deleted record back."""
    if EmptyForm().validate_on_submit():
        try:
            name = services.restore(
                current_user,
                request.form.get("kind", ""),
                parse_id(request.form.get("id")),
                utcnow(),
            )
        except DomainError as e:
            flash(e.message, "warning")
        else:
            flash(f"“{name}” was restored.", "success")
    return redirect(url_for("history.trash"))

"""Staff roles (coordinators): add a staffer to an office, end a role, move a staffer."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from crm.authz import requires
from crm.clock import local_today, utcnow
from crm.errors import DomainError, apply_to_form
from crm.ids import parse_id
from crm.staff import services
from crm.staff.forms import EndRoleForm, MoveForm, StaffRoleForm
from crm.views import get_or_404, render_form

bp = Blueprint("staff", __name__)


def back_to(role_or_data, org_first: bool) -> str:
    """The page the form was opened from: the office's or the staffer's."""
    if org_first and role_or_data.organization_id:
        return url_for("organizations.show", org_id=role_or_data.organization_id)
    return url_for("people.show", person_id=role_or_data.staff_id)


def role_data(form: StaffRoleForm) -> services.RoleData:
    """The service's RoleData from the submitted form."""
    return services.RoleData(
        staff_id=form.staff_id.data,
        organization_id=form.organization_id.data,
        title=form.title.data,
        portfolio=form.portfolio.data,
        start_date=form.start_date.data,
    )


def with_choices(form: StaffRoleForm, staff: bool = True) -> StaffRoleForm:
    """The form with its office choices, and staffer choices unless the staffer is fixed."""
    form.organization_id.choices = [(None, "—")] + services.office_choices()
    form.staff_id.choices = [(None, "—")] + (services.staffer_choices() if staff else [])
    return form


@bp.route("/staff/new", methods=["GET", "POST"])
@requires("coordinator")
def add():
    """Add a staffer to an office (opened from the person's page or the office's)."""
    form = with_choices(StaffRoleForm())
    from_org = request.values.get("from") == "org"
    if request.method == "GET":
        form.staff_id.data = parse_id(request.args.get("person"))
        form.organization_id.data = parse_id(request.args.get("org"))
        form.start_date.data = local_today(utcnow(), current_user.timezone)
    if form.validate_on_submit():
        try:
            role = services.add_role(current_user, role_data(form), utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"{role.staff.full_name} works for {role.organization.name}.", "success")
            return redirect(back_to(role, from_org))
    return render_form("staff/form.html", form=form, role=None, mode="add", from_org=from_org)


@bp.route("/staff/<id:role_id>/end", methods=["GET", "POST"])
@requires("coordinator")
def end(role_id: int):
    """End a role: the staffer left; the role stays in the history."""
    role = get_or_404(services.get_role, role_id, current_user)
    form = EndRoleForm()
    from_org = request.values.get("from") == "org"
    if request.method == "GET":
        form.end_date.data = local_today(utcnow(), current_user.timezone)
    if form.validate_on_submit():
        try:
            services.end_role(current_user, role, form.end_date.data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Ended {role.staff.full_name}'s role at {role.organization.name}.", "success")
            return redirect(back_to(role, from_org))
    return render_form("staff/end.html", form=form, role=role, from_org=from_org)


@bp.route("/staff/<id:role_id>/move", methods=["GET", "POST"])
@requires("coordinator")
def move(role_id: int):
    """Move a staffer to another office (or title, or portfolio): one role ends, one starts."""
    role = get_or_404(services.get_role, role_id, current_user)
    form = with_choices(MoveForm(), staff=False)
    from_org = request.values.get("from") == "org"
    if request.method == "GET":
        form.title.data, form.portfolio.data = role.title, role.portfolio
        form.start_date.data = local_today(utcnow(), current_user.timezone)
    if form.validate_on_submit():
        try:
            moved = services.move_staffer(
                current_user, role, role_data(form), form.start_date.data, utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"{moved.staff.full_name} moved to {moved.organization.name}.", "success")
            return redirect(back_to(moved, from_org))
    return render_form("staff/form.html", form=form, role=role, mode="move", from_org=from_org)

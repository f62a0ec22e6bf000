"""Organization pages: list, page, add, edit or move, retire and reinstate."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import US_STATES, EmptyForm
from crm.ids import parse_id
from crm.organizations import services
from crm.organizations.forms import OrganizationForm
from crm.tags.services import tag_choices, tags_on
from crm.views import get_or_404, page_arg, render_form

bp = Blueprint("organizations", __name__)


@bp.get("/")
def index():
    """Agencies, offices, programs and boards, filtered by kind, jurisdiction and name."""
    flt = services.OrgFilter.from_args(request.args)
    page = services.list_organizations(flt, page=page_arg())
    return render_template(
        "organizations/index.html",
        flt=flt,
        page=page,
        state_codes=sorted(US_STATES),
        tags=tag_choices(),
    )


@bp.get("/<id:org_id>")
def show(org_id: int):
    """An organization with its place in the tree, people, staff, contacts and open work."""
    org = get_or_404(services.get_organization, org_id, current_user)
    return render_organization(org)


def render_organization(org, **extra):
    """The organization page; `extra` (a refused tag form) is shown on it."""
    return render_template(
        "organizations/show.html",
        org=org,
        data=services.organization_page(org, current_user),
        form=EmptyForm(),
        tags=tags_on("organization", org.id),
        **extra,
    )


def org_form(org=None) -> OrganizationForm:
    """The organization form with its "Part of" choices (never itself or one of its descendants)."""
    form = OrganizationForm(obj=org)
    form.parent_id.choices = [(None, "—")] + services.parent_choices(exclude=org)
    return form


def save_page(form: OrganizationForm, org):
    """Render the organization form (422 with errors, 409 on a conflict)."""
    return render_form("organizations/form.html", form=form, org=org)


@bp.route("/new", methods=["GET", "POST"])
@requires("coordinator")
def create():
    """Add an organization (an agency, an office of one, a program, a board...)."""
    form = org_form()
    if request.method == "GET":  # "Add an office" on a page prefills its parent
        form.parent_id.data = parse_id(request.args.get("parent"))
    if form.validate_on_submit():
        try:
            org = services.create_organization(current_user, form.data_for_service(), utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"{org.name} was added.", "success")
            return redirect(url_for("organizations.show", org_id=org.id))
    return save_page(form, None)


@bp.route("/<id:org_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit(org_id: int):
    """Edit an organization, or move it under another one."""
    org = get_or_404(services.get_organization, org_id, current_user)
    form = org_form(org)
    if form.validate_on_submit():
        try:
            services.update_organization(current_user, org, form.data_for_service(), utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Saved.", "success")
            return redirect(url_for("organizations.show", org_id=org.id))
    return save_page(form, org)


@bp.post("/<id:org_id>/retire")
@requires("coordinator")
def retire(org_id: int):
    """Retire an organization: out of lists and pickers, history kept."""
    org = get_or_404(services.get_organization, org_id, current_user)
    if EmptyForm().validate_on_submit():
        services.retire_organization(current_user, org, utcnow())
        flash(f"{org.name} was retired. Reinstate it from its page.", "info")
    return redirect(url_for("organizations.show", org_id=org.id))


@bp.post("/<id:org_id>/reinstate")
@requires("coordinator")
def reinstate(org_id: int):
    """Bring a retired organization back."""
    org = get_or_404(services.get_organization, org_id, current_user)
    if EmptyForm().validate_on_submit():
        services.reinstate_organization(current_user, org, utcnow())
        flash(f"{org.name} is back in the lists.", "success")
    return redirect(url_for("organizations.show", org_id=org.id))

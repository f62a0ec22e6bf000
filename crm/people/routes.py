"""The directory: list, search, export, person page, create and edit."""

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from crm.authz import requires
from crm.clock import utcnow
from crm.errors import Conflict, DomainError, apply_to_form
from crm.forms import EmptyForm, conflict_view
from crm.ids import parse_id
from crm.lists.forms import SavedListForm
from crm.people import services
from crm.people.filters import DirectoryFilter
from crm.people.forms import PersonForm
from crm.views import csv_file, get_or_404, page_arg, render_form

bp = Blueprint("people", __name__)


@bp.get("/")
def index():
    """The directory with filters, sorting and pagination."""
    return render_directory(DirectoryFilter.from_args(request.args))


def render_directory(flt: DirectoryFilter, **extra):
    """The directory page for a filter, with the viewer's saved lists; `extra` (a refused
    saved-list form) is shown on it."""
    page = services.list_people(
        flt, page=page_arg(), per_page=50, now=utcnow(), viewer=current_user
    )
    choices = services.filter_choices(flt, current_user)
    lists = choices.lists
    opened = parse_id(request.args.get("list"))
    return render_template(
        "people/index.html",
        flt=flt,
        page=page,
        choices=choices,
        lists=lists,
        opened=next((s for s in lists if s.id == opened), None),
        list_form=extra.pop("list_form", None) or SavedListForm(formdata=None),
        **extra,
    )


@bp.get("/export.csv")
def export():
    """The filtered directory as CSV (UTF-8 with BOM, formula cells neutralised)."""
    flt = DirectoryFilter.from_args(request.args)
    return csv_file("people.csv", services.export_people(flt, utcnow(), current_user))


@bp.get("/search")
def search():
    """Autocomplete for the quick log: JSON list of matching people."""
    people = services.search_people(request.args.get("q", ""))
    return jsonify(
        [
            {
                "id": p.id,
                "name": p.full_name,
                "detail": p.seat or (p.organization.name if p.organization else ""),
                "party": p.party_letter if p.kind == "legislator" else "",
                "in_office": p.in_office,
            }
            for p in people
        ]
    )


@bp.get("/<id:person_id>")
def show(person_id: int):
    """A person's contact card, offices, committees, staff and timeline."""
    person = get_or_404(services.get_person, person_id, current_user)
    if person.merged_into_id:  # a merged record redirects to the one that survived
        return redirect(url_for("people.show", person_id=person.merged_into_id), 301)
    return render_person(person)


def render_person(person, **extra):
    """The person page; `extra` (a refused position form) is shown on it."""
    data = services.person_page(person, current_user)
    return render_template(
        "people/show.html",
        data=data,
        person=person,
        last=data.last,
        form=EmptyForm(),
        open_work=data.open_work,
        tags=data.tags,
        **extra,
    )


def person_form(person=None, **kwargs) -> PersonForm:
    """The person form with its organization and relationship-holder choices filled."""
    form = PersonForm(obj=person, **kwargs)
    orgs, users = services.person_form_choices()
    form.organization_id.choices = [("", "—")] + [(str(i), n) for i, n in orgs]
    form.holder_id.choices = [("", "—")] + [(str(i), n) for i, n in users]
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires("coordinator")
def create():
    """Add a person by hand."""
    form = person_form()
    if form.validate_on_submit():
        try:
            person = services.create_person(current_user, form.data_for_service(), utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"{person.full_name} was added.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_form("people/form.html", form=form, person=None)


@bp.route("/<id:person_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit(person_id: int):
    """Edit a person; a save over someone else's newer edit is refused and shown."""
    person = get_or_404(services.get_person, person_id, current_user)
    form = person_form(person)
    if request.method == "GET":
        form.version.data = person.version
    if form.validate_on_submit():
        try:
            services.update_person(
                current_user,
                person,
                form.data_for_service(),
                parse_id(form.version.data) or 0,
                utcnow(),
            )
        except Conflict:
            # Someone saved first: their values beside mine; posting again saves mine.
            conflict = conflict_view(form, person_form(person, formdata=None))
            return render_form("people/form.html", form=form, person=person, conflict=conflict)
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Saved.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    return render_form("people/form.html", form=form, person=person)


@bp.post("/<id:person_id>/delete")
@requires("coordinator")
def delete(person_id: int):
    """Soft-delete a person (restorable)."""
    person = get_or_404(services.get_person, person_id, current_user)
    if EmptyForm().validate_on_submit():
        services.delete_person(current_user, person, utcnow())
        flash(f"{person.full_name} was deleted. A coordinator can restore them.", "info")
    return redirect(url_for("people.index"))


@bp.post("/<id:person_id>/restore")
@requires("coordinator")
def restore(person_id: int):
    """Bring back a deleted person."""
    person = get_or_404(services.get_person, person_id, current_user)
    if EmptyForm().validate_on_submit():
        services.restore_person(current_user, person, utcnow())
        flash(f"{person.full_name} was restored.", "success")
    return redirect(url_for("people.show", person_id=person.id))

"""Tags: the list (coordinators keep it), and putting tags on people, organizations and
contacts from their pages."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.interactions.routes import render_interaction
from crm.interactions.services import get_interaction
from crm.organizations.routes import render_organization
from crm.organizations.services import get_organization
from crm.people.routes import render_person
from crm.people.services import get_person
from crm.tags import services
from crm.tags.forms import ApplyTagForm, TagForm
from crm.views import get_or_404

bp = Blueprint("tags", __name__)


def tags_page(form: TagForm | None = None, failed: int | None = None, status: int = 200):
    """The list; `form` is a refused new tag (failed=None) or rename of tag `failed`."""
    return (
        render_template(
            "tags/index.html",
            rows=services.list_tags(current_user),
            new_form=form if form is not None and failed is None else TagForm(formdata=None),
            rename_form=form if failed is not None else None,
            failed=failed,
            form=EmptyForm(),
        ),
        status,
    )


@bp.get("/tags/")
def index():
    """Every tag with how many people, organizations and contacts carry it."""
    return tags_page()


@bp.post("/tags/new")
@requires("coordinator")
def create():
    """Add a tag to the list."""
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = services.create_tag(current_user, form.name.data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Added the tag “{tag.name}”.", "success")
            return redirect(url_for("tags.index"))
    return tags_page(form, status=422)


@bp.post("/tags/<id:tag_id>/rename")
@requires("coordinator")
def rename(tag_id: int):
    """Rename a tag; every record carrying it shows the new name."""
    tag = get_or_404(services.get_tag, tag_id, current_user)
    form = TagForm()
    if form.validate_on_submit():
        try:
            services.rename_tag(current_user, tag, form.name.data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Renamed to “{tag.name}”.", "success")
            return redirect(url_for("tags.index"))
    return tags_page(form, failed=tag.id, status=422)


@bp.post("/tags/<id:tag_id>/retire")
@requires("coordinator")
def retire(tag_id: int):
    """Retire a tag: out of pickers, filters and records, its links kept."""
    tag = get_or_404(services.get_tag, tag_id, current_user)
    if EmptyForm().validate_on_submit():
        services.retire_tag(current_user, tag, utcnow())
        flash(f"“{tag.name}” was retired. Reinstate it to show it again.", "info")
    return redirect(url_for("tags.index"))


@bp.post("/tags/<id:tag_id>/reinstate")
@requires("coordinator")
def reinstate(tag_id: int):
    """Bring a retired tag back, on every record it was on."""
    tag = get_or_404(services.get_tag, tag_id, current_user)
    if EmptyForm().validate_on_submit():
        services.reinstate_tag(current_user, tag, utcnow())
        flash(f"“{tag.name}” is back.", "success")
    return redirect(url_for("tags.index"))


def apply(kind: str, record, back: str, render):
    """Put a tag on the record or take it off; a refused choice shows the page again (422)."""
    form = ApplyTagForm()
    if form.validate_on_submit():
        applied = form.action.data == "add"
        try:
            tag = services.set_tag(current_user, kind, record, form.tag_id.data, applied, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Tagged “{tag.name}”." if applied else f"Took off “{tag.name}”.", "success")
            return redirect(back)
    return render(record, tag_form=form), 422


@bp.post("/people/<id:person_id>/tags")
def person(person_id: int):
    """Tag a person (any member)."""
    record = get_or_404(get_person, person_id, current_user)
    return apply("person", record, url_for("people.show", person_id=record.id), render_person)


@bp.post("/organizations/<id:org_id>/tags")
def organization(org_id: int):
    """Tag an organization (any member)."""
    record = get_or_404(get_organization, org_id, current_user)
    back = url_for("organizations.show", org_id=record.id)
    return apply("organization", record, back, render_organization)


@bp.post("/interactions/<id:interaction_id>/tags")
def interaction(interaction_id: int):
    """Tag a contact the member may see (a private one only within its audience)."""
    record = get_or_404(get_interaction, interaction_id, current_user)
    back = url_for("interactions.show", interaction_id=record.id)
    return apply("interaction", record, back, render_interaction)

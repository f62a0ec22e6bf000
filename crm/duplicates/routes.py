"""Merge two records of one person (a field-by-field choice), or say they are not the same."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.authz import requires, safe_next
from crm.clock import utcnow
from crm.duplicates import services
from crm.errors import DomainError
from crm.forms import EmptyForm
from crm.people.services import get_person
from crm.views import get_or_404

bp = Blueprint("duplicates", __name__)


def other_id() -> int | None:
    """The id of the other person to compare, from `with` ("#123" or "123"), or None."""
    text = (request.values.get("with") or "").strip().lstrip("#")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@bp.route("/<id:person_id>/merge", methods=["GET", "POST"])
@requires("coordinator")
def merge(person_id: int):
    """Choose the record to merge into this one, compare them field by field, and merge."""
    person = get_or_404(get_person, person_id, current_user)
    other = None
    if other_id() is not None:
        other = get_or_404(get_person, other_id(), current_user)
    form = EmptyForm()
    if other is not None and request.method == "POST" and form.validate_on_submit():
        keep = {k: request.form.get(f"keep-{k}", "a") for k in services.FIELDS}
        try:
            services.merge_people(current_user, person, other, keep, utcnow())
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(f"Merged: {other.full_name} (#{other.id}) is now part of this record.", "success")
            return redirect(url_for("people.show", person_id=person.id))
    fields, counts = services.preview(person, other) if other is not None else ([], {})
    return render_template(
        "duplicates/merge.html",
        person=person,
        other=other,
        fields=fields,
        counts=counts,
        form=form,
        likely=services.likely_duplicates(person) if other is None else [],
    )


@bp.post("/<id:person_id>/not-duplicate")
@requires("coordinator")
def not_duplicate(person_id: int):
    """Remember that an imported record is not this person (imports stop asking)."""
    person = get_or_404(get_person, person_id, current_user)
    key = (request.form.get("other_key") or "").strip()
    if EmptyForm().validate_on_submit() and key:
        services.mark_not_duplicate(current_user, person, key, utcnow())
        flash(f"Noted: {key} is not {person.full_name}.", "success")
    back = url_for("people.show", person_id=person.id)
    return redirect(safe_next(request.form.get("back"), back))

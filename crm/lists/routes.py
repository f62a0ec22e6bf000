"""Saved lists: save the directory's filters under a name, open one (its filters applied as they
are now), export it as CSV, delete it."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from crm.clock import utcnow
from crm.errors import DomainError, NotAllowed, apply_to_form
from crm.forms import EmptyForm
from crm.lists import services
from crm.lists.forms import SavedListForm
from crm.people.routes import render_directory
from crm.people.services import export_people
from crm.views import csv_file, get_or_404

bp = Blueprint("lists", __name__)


@bp.post("/")
def create():
    """Save the directory's current filters as a list (private, or shared by a coordinator)."""
    form = SavedListForm()
    if form.validate_on_submit():
        try:
            saved = services.save_list(
                current_user, form.name.data, form.query.data, bool(form.shared.data), utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved the list “{saved.name}”.", "success")
            return redirect(url_for("lists.open", list_id=saved.id))
    return render_directory(services.filter_of(form.query.data or ""), list_form=form), 422


@bp.get("/<id:list_id>")
def open(list_id: int):
    """The directory with the list's filters, as they select people today."""
    saved = get_or_404(services.get_list, list_id, current_user)
    return redirect(url_for("people.index") + f"?{saved.query}&list={saved.id}")


@bp.get("/<id:list_id>/export.csv")
def export(list_id: int):
    """The list's people as CSV, as the directory export gives them."""
    saved = get_or_404(services.get_list, list_id, current_user)
    flt = services.filter_of(saved.query)
    return csv_file(f"list-{saved.id}.csv", export_people(flt, utcnow(), current_user))


@bp.post("/<id:list_id>/delete")
def delete(list_id: int):
    """Delete a list (its owner; a coordinator for a shared one)."""
    saved = get_or_404(services.get_list, list_id, current_user)
    if EmptyForm().validate_on_submit():
        name = saved.name
        try:
            services.delete_list(current_user, saved, utcnow())
        except NotAllowed:
            abort(403)
        flash(f"Deleted the list “{name}”.", "info")
    return redirect(url_for("people.index"))

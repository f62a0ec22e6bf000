"""The review queue of received email (coordinators): file a waiting message as a contact,
link it to one already logged, or discard it."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectField

from crm import options
from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, NotAllowed, apply_to_form
from crm.forms import BaseForm, EmptyForm, IdField, IdList
from crm.ids import coerce_id
from crm.inbound import services
from crm.interactions.services import picker_context

bp = Blueprint("inbound", __name__)


class FileForm(BaseForm):
    """File a forwarded email as a contact: the member who had it and the people contacted."""

    member = SelectField("Member who had the contact", coerce=coerce_id, validate_choice=False)
    people = IdList("People contacted", coerce=int)


class LinkForm(BaseForm):
    """Attach a forwarded email to an existing contact, by its number."""

    interaction = IdField("Contact number", description="The number in the contact's address.")


def waiting_or_404(item_id: int):
    """The waiting inbound email with this id; 404 if none, 403 if not the viewer's to file."""
    try:
        return services.get_waiting(current_user, item_id)
    except LookupError:
        abort(404)
    except NotAllowed:
        abort(403)


def render_review(item, file_form=None, link_form=None):
    """The review page; a form that failed is shown with its errors (422)."""
    parsed = services.preview(item)
    found = services.match(parsed)
    if file_form is None:
        file_form = FileForm(
            member=found.member.id if found.member else None,
            people=[p.id for p in found.people],
        )
    link_form = link_form or LinkForm(prefix="link")
    failed = file_form.errors or link_form.errors
    context = picker_context(file_form)
    file_form.member.choices = [(None, "Choose a member"), *options.member_pairs()]
    page = render_template(
        "inbound/review.html",
        item=item,
        parsed=parsed,
        found=found,
        form=file_form,
        link_form=link_form,
        discard_form=EmptyForm(prefix="discard"),
        picker_label="People contacted",
        picker_help="People in the directory. Nobody is added to it from here.",
        **context,
    )
    return page, 422 if failed else 200


@bp.route("/")
@requires("coordinator")
def queue():
    """Received email waiting for a coordinator: unknown senders, nobody in the directory."""
    return render_template("inbound/queue.html", items=services.review_queue())


@bp.route("/<id:item_id>")
@requires("coordinator")
def review(item_id: int):
    """One waiting message, as it would be filed, with what to do with it."""
    return render_review(waiting_or_404(item_id))


@bp.route("/<id:item_id>/file", methods=["POST"])
@requires("coordinator")
def file(item_id: int):
    """File it as the chosen member's contact with the chosen people."""
    item = waiting_or_404(item_id)
    form = FileForm()
    form.member.choices = []
    if form.validate():
        try:
            interaction = services.file_waiting(
                current_user, item.id, form.member.data, form.people.data or [], utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Filed as a contact. The member was sent a confirmation.", "success")
            return redirect(url_for("interactions.show", interaction_id=interaction.id))
    return render_review(item, file_form=form)


@bp.route("/<id:item_id>/link", methods=["POST"])
@requires("coordinator")
def link(item_id: int):
    """Attach it to a contact already logged."""
    item = waiting_or_404(item_id)
    form = LinkForm(prefix="link")
    if form.validate():
        try:
            services.link_waiting(current_user, item.id, form.interaction.data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Linked to the contact.", "success")
            return redirect(url_for("inbound.queue"))
    return render_review(item, link_form=form)


@bp.route("/<id:item_id>/discard", methods=["POST"])
@requires("coordinator")
def discard(item_id: int):
    """Throw it away (it is not filed again if fetched again)."""
    item = waiting_or_404(item_id)
    form = EmptyForm(prefix="discard")
    if not form.validate():
        abort(400)
    services.discard_waiting(current_user, item.id, utcnow())
    flash("Discarded.", "success")
    return redirect(url_for("inbound.queue"))

"""Quick log and the interaction pages."""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import authz, clock
from crm.assignments.followups import (
    FollowUpRequest,
    active_templates,
    matching_open_work,
    picker_hint,
)
from crm.clock import utcnow
from crm.errors import Conflict, DomainError, apply_to_form
from crm.forms import EmptyForm, conflict_view
from crm.ids import parse_id
from crm.interactions import services
from crm.interactions.forms import InteractionForm
from crm.policy.positions import interaction_positions
from crm.tags.services import tags_on
from crm.views import get_or_404, render_form

bp = Blueprint("interactions", __name__)


def form_data(form: InteractionForm) -> services.InteractionData:
    """The service's InteractionData from the submitted form, its time read in the user's zone."""
    return services.InteractionData(
        people=form.people.data or [],
        occurred_at=clock.from_local(form.occurred_at.data, current_user.timezone),
        kind=form.kind.data,
        subject=form.subject.data or None,
        notes=form.notes.data or None,
        outcome=form.outcome.data or None,
        private=bool(form.private.data),
        members=form.members.data or [],
        issues=form.issues.data or [],
        bills=form.bills.data or [],
        positions=form.positions_data,
        follow_ups=follow_up_requests(form),
        complete_assignments=form.complete_assignments.data or [],
        organization_id=form.organization_id.data,
    )


def follow_up_requests(form: InteractionForm) -> list:
    """The follow-ups ticked in the quick log, plus the custom one if it was filled in."""
    chosen = [FollowUpRequest(template_id=t) for t in dict.fromkeys(form.follow_ups.data or [])]
    if form.custom_follow_up.data:
        chosen.append(
            FollowUpRequest(
                label=form.custom_follow_up.data, due_in_days=form.custom_due_in_days.data
            )
        )
    return chosen


@bp.route("/log", methods=["GET", "POST"])
def quick_log():
    """Log a contact in seconds: who, when (now), kind (meeting); the rest is optional."""
    form = InteractionForm()
    if request.method == "GET":
        form.occurred_at.data = clock.local(utcnow(), current_user.timezone).replace(
            second=0, microsecond=0, tzinfo=None
        )
        form.submission_key.data = secrets.token_urlsafe(24)
        form.members.data = [current_user.id]
        if parse_id(request.args.get("person")):
            form.people.data = [parse_id(request.args["person"])]
        # "Log a contact" on an organization's page, or on work for an organization.
        form.organization_id.data = parse_id(request.args.get("organization"))
        if parse_id(request.args.get("assignment")):  # came from "Log contact" on my work
            form.complete_assignments.data = [parse_id(request.args["assignment"])]
    if form.validate_on_submit():
        try:
            interaction = services.log_interaction(
                current_user,
                form_data(form),
                utcnow(),
                submission_key=(form.submission_key.data or None),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            logged = services.logged_summary(interaction)
            flash(f"Logged your {logged.kind.replace('_', ' ')} with {logged.names}.", "success")
            if form.follow_ups.data or form.custom_follow_up.data:
                flash("Your follow-ups are on My work.", "info")
            return redirect(url_for("interactions.show", interaction_id=logged.id))
    return render_form(
        "interactions/log.html",
        form=form,
        **pickers(form),
        **outreach_context(form),
    )


def pickers(form: InteractionForm, *others: InteractionForm) -> dict:
    """The log form's picker context, with the organizations set as the select's choices (of
    `others` too: a conflict names their organization)."""
    context = services.picker_context(form, organizations=True)
    choices = [(None, "—"), *context.pop("organization_choices")]
    for each in (form, *others):
        each.organization_id.choices = choices
    return context


def outreach_context(form: InteractionForm) -> dict:
    """Follow-ups to offer, and for the people already chosen the collisions and my open work;
    my open work with the organization chosen, apart (the people picker redraws its own)."""
    hint = picker_hint(current_user, list(dict.fromkeys(form.people.data or []))[:10], utcnow())
    shown = {a.id for a in hint["open_work"]}
    organization_work = (
        [
            a
            for a in matching_open_work(current_user, [], form.organization_id.data)
            if a.id not in shown
        ]
        if form.organization_id.data
        else []
    )
    return {
        "follow_up_templates": active_templates(),
        "checked": set(form.complete_assignments.data or []),
        "organization_work": organization_work,
        **hint,
    }


@bp.get("/log/last-contact")
def last_contact():
    """htmx fragment: "last contact with this office: N days ago, by X" for the chosen people."""
    ids = [i for i in map(parse_id, request.args.getlist("people")) if i][:10]
    hints = [h for h in (services.last_contact_with_office(i) for i in ids) if h]
    checked = {i for i in map(parse_id, request.args.getlist("complete")) if i}
    return render_template(
        "interactions/_last_contact.html",
        hints=hints,
        checked=checked,
        offer_completion=request.args.get("offer") != "0",
        **picker_hint(current_user, ids, utcnow()),
    )


@bp.get("/interactions/<id:interaction_id>")
def show(interaction_id: int):
    """One contact, with its notes rendered safely."""
    interaction = get_or_404(services.get_interaction, interaction_id, current_user)
    return render_interaction(interaction)


def render_interaction(interaction, **extra):
    """One contact's page (the viewer may see it); `extra` (a refused tag form) is shown on it."""
    open_work = (
        []
        if interaction.deleted_at
        else matching_open_work(
            current_user, [p.id for p in interaction.people], interaction.organization_id
        )
    )
    return render_template(
        "interactions/show.html",
        interaction=interaction,
        form=EmptyForm(),
        open_work=open_work,
        positions=interaction_positions(interaction.id, current_user),
        tags=tags_on("interaction", interaction.id),
        **extra,
    )


@bp.route("/interactions/<id:interaction_id>/edit", methods=["GET", "POST"])
def edit(interaction_id: int):
    """Edit a contact (its author or a coordinator)."""
    interaction = get_or_404(services.get_interaction, interaction_id, current_user)
    if not authz.can_edit_interaction(current_user, interaction):
        abort(403)
    form = InteractionForm(obj=interaction)
    if request.method == "GET":
        filled_from(form, interaction)
    conflict, context = None, None
    if form.validate_on_submit():
        try:
            services.update_interaction(
                current_user,
                interaction,
                form_data(form),
                parse_id(form.version.data) or 0,
                utcnow(),
            )
        except Conflict:
            # Someone saved first: their values beside mine; posting again saves mine.
            theirs = filled_from(InteractionForm(formdata=None, obj=interaction), interaction)
            context = pickers(form, theirs)
            conflict = conflict_view(form, theirs, services.picked_names(), skip=NOT_EDITED)
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Saved.", "success")
            return redirect(url_for("interactions.show", interaction_id=interaction.id))
    return render_form(
        "interactions/log.html",
        form=form,
        interaction=interaction,
        conflict=conflict,
        **(context or pickers(form)),
    )


# The quick log's outreach fields: not part of an edit, so never a difference in a conflict.
NOT_EDITED = ("follow_ups", "custom_follow_up", "custom_due_in_days", "complete_assignments")


def filled_from(form: InteractionForm, interaction) -> InteractionForm:
    """The edit form as the saved contact fills it (times in the editor's zone)."""
    form.people.data = [p.id for p in interaction.people]
    form.members.data = [m.id for m in interaction.members]
    form.issues.data = [i.id for i in interaction.issues]
    form.bills.data = [b.id for b in interaction.bills]
    form.occurred_at.data = clock.local(interaction.occurred_at, current_user.timezone).replace(
        tzinfo=None
    )
    form.version.data = interaction.version
    return form


@bp.post("/interactions/<id:interaction_id>/delete")
def delete(interaction_id: int):
    """Soft-delete a contact (its author or a coordinator); coordinators can restore it."""
    interaction = get_or_404(services.get_interaction, interaction_id, current_user)
    if EmptyForm().validate_on_submit():
        try:
            services.delete_interaction(current_user, interaction, utcnow())
        except DomainError:
            abort(403)
        flash("The contact was deleted.", "info")
    return redirect(url_for("main.dashboard"))


@bp.post("/interactions/<id:interaction_id>/restore")
def restore(interaction_id: int):
    """Restore a deleted contact (coordinators)."""
    interaction = get_or_404(services.get_interaction, interaction_id, current_user)
    if EmptyForm().validate_on_submit():
        try:
            services.restore_interaction(current_user, interaction, utcnow())
        except DomainError:
            abort(403)
        flash("The contact was restored.", "success")
    return redirect(url_for("interactions.show", interaction_id=interaction.id))

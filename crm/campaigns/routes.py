"""Campaigns (coordinators): build a target list with the directory's filters (or the
organizations list's), preview it, bulk-assign it by a strategy or by hand, and follow progress
and coverage."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.authz import requires
from crm.campaigns import services
from crm.campaigns.forms import BulkAssignForm, CampaignForm, assignee_picks, chosen_members
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import US_STATES, EmptyForm
from crm.ids import parse_id
from crm.lists.services import filter_of, get_list, lists_for
from crm.organizations.services import OrgFilter
from crm.people.services import filter_choices
from crm.tags.services import tag_choices
from crm.views import get_or_404, render_form

bp = Blueprint("campaigns", __name__)


@bp.get("/")
@requires("coordinator")
def index():
    """All campaigns with how far each has got."""
    return render_template("campaigns/index.html", rows=services.list_campaigns())


def campaign_form(campaign=None) -> CampaignForm:
    """The campaign form with its issue and bill choices filled."""
    form = CampaignForm(obj=campaign)
    choices = services.campaign_choices()
    form.issue_id.choices = [("", "—")] + [(str(i.id), i.name) for i in choices["issues"]]
    form.bill_id.choices = [("", "—")] + [(str(b.id), b.label) for b in choices["bills"]]
    return form


def builder(form: CampaignForm, flt: services.TargetFilter, campaign=None, saved_list=None):
    """The target builder: the directory's filters or the organizations' (GET), a preview,
    and the details (POST). Started from a saved list, the list's filters are the targets."""
    if request.method == "POST":
        flt = services.filter_from_args(request.form)
        saved_list = from_list(request.form.get("saved_list"))
    if form.validate_on_submit():
        data = services.CampaignData(
            name=form.name.data,
            goal=form.goal.data or None,
            issue_id=form.issue_id.data,
            bill_id=form.bill_id.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            status=form.status.data,
            target_filter=flt,
            saved_list_id=saved_list.id if saved_list else None,
        )
        try:
            campaign = services.save_campaign(current_user, campaign, data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved “{campaign.name}”. Now assign its targets.", "success")
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    organizations = isinstance(flt, OrgFilter)
    choices = None if organizations else filter_choices(flt, current_user)
    return render_form(
        "campaigns/builder.html",
        form=form,
        flt=flt,
        organizations=organizations,
        campaign=campaign,
        preview=services.preview(flt, utcnow(), current_user) if flt.active else None,
        choices={"states": sorted(US_STATES), "tags": tag_choices()} if organizations else choices,
        saved_list=None if organizations else saved_list,
        lists=lists_for(current_user) if organizations else choices.lists,
    )


def from_list(value):
    """A saved list the coordinator may open, by the id in a query or form argument."""
    list_id = parse_id(value)
    if not list_id:
        return None
    try:
        return get_list(list_id, current_user)
    except LookupError:
        return None


@bp.route("/new", methods=["GET", "POST"])
@requires("coordinator")
def create():
    """Build a target list (or take a saved list's) and save it as a campaign."""
    saved = from_list(request.args.get("list"))
    flt = filter_of(saved.query) if saved else services.filter_from_args(request.args)
    return builder(campaign_form(), flt, saved_list=saved)


@bp.route("/<id:campaign_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit(campaign_id: int):
    """Change a campaign's details or its target list."""
    campaign = get_or_404(services.get_campaign, campaign_id, current_user)
    saved = from_list(request.args.get("list")) if request.args else campaign.saved_list
    if saved:
        flt = filter_of(saved.query)
    elif request.args:
        flt = services.filter_from_args(request.args)
    else:
        flt = services.saved_filter(campaign)
    return builder(campaign_form(campaign), flt, campaign, saved)


@bp.get("/<id:campaign_id>")
@requires("coordinator")
def show(campaign_id: int):
    """Progress: assigned, contacted, done, overdue, per member; coverage of the targets."""
    campaign = get_or_404(services.get_campaign, campaign_id, current_user)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        organizations=services.targets_organizations(campaign),
        flt=services.saved_filter(campaign),
        form=EmptyForm(),
        progress=services.progress(campaign, utcnow(), current_user.timezone, current_user),
    )


@bp.route("/<id:campaign_id>/assign", methods=["GET", "POST"])
@requires("coordinator")
def assign(campaign_id: int):
    """Propose an assignee for each unassigned target by a strategy; adjust by hand; assign."""
    campaign = get_or_404(services.get_campaign, campaign_id, current_user)
    source = request.form if request.method == "POST" else request.args
    strategy = source.get("strategy") or "round_robin"
    members = chosen_members(source)
    form = BulkAssignForm()
    if request.method == "GET":
        form.title.data = campaign.name
    picks = assignee_picks(request.form)
    if form.validate_on_submit():
        try:
            result = services.bulk_assign(
                current_user,
                campaign,
                list(picks.items()),
                title=form.title.data,
                due_on=form.due_on.data,
                priority=form.priority.data,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(
                f"Assigned {len(result.created)} targets"
                + (f"; {result.skipped} were already assigned." if result.skipped else "."),
                "success",
            )
            return redirect(url_for("campaigns.show", campaign_id=campaign.id))
    plan = services.plan(
        current_user,
        campaign,
        strategy,
        members,
        utcnow(),
        picked=picks if request.method == "POST" else None,
    )
    if plan.warning:
        flash(plan.warning, "warning")
    return render_form(
        "campaigns/assign.html",
        campaign=campaign,
        plan=plan,
        form=form,
        strategy=strategy,
        members=members,
        strategies=services.STRATEGIES,
    )


@bp.post("/<id:campaign_id>/delete")
@requires("coordinator")
def delete(campaign_id: int):
    """Delete a campaign; its assignments stay as ordinary work."""
    campaign = get_or_404(services.get_campaign, campaign_id, current_user)
    if EmptyForm().validate_on_submit():
        services.delete_campaign(current_user, campaign, utcnow())
        flash(f"“{campaign.name}” was deleted. Its assignments stay on members' lists.", "info")
    return redirect(url_for("campaigns.index"))

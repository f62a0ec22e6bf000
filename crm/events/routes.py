"""Advocacy days: plan (coordinators), follow the day, a member's schedule, calendar, briefs
pack, and the debrief after the day."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from crm import options
from crm.authz import requires
from crm.briefs import services as briefs
from crm.clock import utcnow
from crm.email import base_url
from crm.errors import DomainError, apply_to_form
from crm.events import services
from crm.events.forms import DayForm, DebriefForm, MeetingForm, TargetsForm
from crm.forms import EmptyForm
from crm.ids import parse_id
from crm.models import User
from crm.policy.services import bill_choices, issue_choices
from crm.views import get_or_404, render_form

bp = Blueprint("events", __name__)


@bp.get("/")
def index():
    """Advocacy days, newest first."""
    return render_template("events/index.html", days=services.list_days())


def day_form(day=None) -> DayForm:
    """The lobby-day form with issue, bill and member choices (its members on first show)."""
    form = DayForm(obj=day)
    form.issue_id.choices = [(None, "—")] + [(i, n) for i, n in issue_choices()]
    form.bill_id.choices = [(None, "—")] + bill_choices()
    form.members.choices = options.member_pairs()
    if request.method == "GET" and day is not None:
        form.members.data = [u.id for u in day.members]
    return form


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<id:day_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit(day_id: int | None = None):
    """Create or edit a day: date, place, hours, issue, members attending."""
    day = get_or_404(services.get_day, day_id) if day_id else None
    form = day_form(day)
    if form.validate_on_submit():
        try:
            day = services.save_day(
                current_user, day, form.day_data(), form.members.data or [], utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved {day.name}.", "success")
            return redirect(url_for("events.show", day_id=day.id))
    return render_form("events/form.html", form=form, day=day)


@bp.get("/<id:day_id>")
def show(day_id: int):
    """The day's schedule, its conflicts, the offices not yet scheduled, and its progress."""
    day = get_or_404(services.get_day, day_id)
    meeting_form = MeetingForm()
    meeting_form.person_id.choices = [(None, "—")] + [
        (t.person_id, t.person.full_name) for t in day.targets
    ]
    meeting_form.members.choices = [(u.id, u.name) for u in day.members]
    meeting_form.lead_id.choices = [(None, "—")] + [(u.id, u.name) for u in day.members]
    return render_template(
        "events/show.html",
        data=services.day_page(day, current_user),
        day=day,
        form=EmptyForm(),
        targets_form=TargetsForm(),
        meeting_form=meeting_form,
    )


@bp.post("/<id:day_id>/targets")
@requires("coordinator")
def add_targets(day_id: int):
    """Add target offices: a state's delegation, or one office."""
    day = get_or_404(services.get_day, day_id)
    form = TargetsForm()
    if form.validate_on_submit():
        states = [s for s in (form.states.data or "").replace(",", " ").upper().split() if s]
        try:
            added = services.add_targets(
                current_user,
                day,
                person_ids=[form.person_id.data] if form.person_id.data else [],
                states=states,
                chamber=form.chamber.data or None,
                now=utcnow(),
            )
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(f"{added} office{'' if added == 1 else 's'} added.", "success")
    else:
        flash("Check the states or the office id.", "danger")
    return redirect(url_for("events.show", day_id=day.id))


@bp.post("/<id:day_id>/targets/<id:person_id>/remove")
@requires("coordinator")
def remove_target(day_id: int, person_id: int):
    """Take an office off the day's list."""
    day = get_or_404(services.get_day, day_id)
    if EmptyForm().validate_on_submit():
        services.remove_target(current_user, day, person_id, utcnow())
    return redirect(url_for("events.show", day_id=day.id))


@bp.post("/<id:day_id>/propose")
@requires("coordinator")
def propose(day_id: int):
    """Propose the schedule of the meetings not yet logged."""
    day = get_or_404(services.get_day, day_id)
    if EmptyForm().validate_on_submit():
        proposal = services.propose_schedule(current_user, day, utcnow())
        flash(
            f"Scheduled {len(proposal.meetings)} meetings"
            + (f"; {len(proposal.unplaced)} offices did not fit." if proposal.unplaced else "."),
            "success" if not proposal.unplaced else "warning",
        )
    return redirect(url_for("events.show", day_id=day.id))


@bp.post("/<id:day_id>/meetings")
@requires("coordinator")
def add_meeting(day_id: int):
    """Schedule one meeting by hand."""
    day = get_or_404(services.get_day, day_id)
    form = MeetingForm()
    form.person_id.choices = [(t.person_id, "") for t in day.targets]
    form.lead_id.choices = [(None, "")] + [(u.id, "") for u in day.members]
    if form.validate_on_submit():
        try:
            services.add_meeting(
                current_user,
                day,
                person_id=form.person_id.data,
                starts=form.starts.data,
                member_ids=form.members.data or [],
                lead_id=form.lead_id.data,
                room=form.room.data,
                now=utcnow(),
            )
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash("Meeting added.", "success")
    else:
        flash("Choose an office and a time.", "danger")
    return redirect(url_for("events.show", day_id=day.id))


@bp.post("/meetings/<id:meeting_id>/delete")
@requires("coordinator")
def delete_meeting(meeting_id: int):
    """Take a meeting off the schedule (not once it is logged)."""
    meeting = get_or_404(services.get_meeting, meeting_id)
    day_id = meeting.day_id
    if EmptyForm().validate_on_submit():
        try:
            services.delete_meeting(current_user, meeting, utcnow())
        except DomainError as e:
            flash(e.message, "danger")
    return redirect(url_for("events.show", day_id=day_id))


def schedule_owner(day) -> User:
    """?member=<id> lets a coordinator read someone's schedule; everyone else reads their own."""
    member_id = parse_id(request.args.get("member"))
    if current_user.is_coordinator and member_id is not None:
        user = next((u for u in day.members if u.id == member_id), None)
        if user is None:
            abort(404)
        return user
    return current_user


@bp.get("/<id:day_id>/mine")
def mine(day_id: int):
    """A member's meetings of the day, for the phone."""
    day = get_or_404(services.get_day, day_id)
    who = schedule_owner(day)
    return render_template(
        "events/mine.html", day=day, who=who, meetings=services.member_schedule(day, who)
    )


@bp.get("/<id:day_id>/mine.ics")
def mine_ics(day_id: int):
    """A member's meetings of the day as a calendar file."""
    day = get_or_404(services.get_day, day_id)
    who = schedule_owner(day)
    return Response(
        services.member_ics(day, who, base_url()),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="advocacy-day-{day.id}.ics"'},
    )


@bp.get("/<id:day_id>/briefs.pdf")
def briefs_pack(day_id: int):
    """The day's briefs, one page per office, in schedule order."""
    day = get_or_404(services.get_day, day_id)
    subject = day.issue or day.bill
    seen, pages = set(), []
    for m in services.day_page(day).meetings:
        if m.person_id in seen:
            continue
        seen.add(m.person_id)
        brief = briefs.meeting_brief(m.person, current_user, subject)
        pages.append(render_template("briefs/brief.html", brief=brief, pdf=True))
    if not pages:
        flash("Nothing is scheduled yet.", "info")
        return redirect(url_for("events.show", day_id=day.id))
    html = '<div style="break-after: page"></div>'.join(pages)
    return Response(
        briefs.brief_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="briefs-day-{day.id}.pdf"'},
    )


@bp.route("/meetings/<id:meeting_id>/debrief", methods=["GET", "POST"])
def debrief(meeting_id: int):
    """Log a meeting of the day as a contact, pre-filled from the schedule."""
    meeting = get_or_404(services.get_meeting, meeting_id)
    form = DebriefForm()
    if form.validate_on_submit():
        try:
            interaction = services.debrief(
                current_user,
                meeting,
                outcome=form.outcome.data,
                notes=form.notes.data,
                stance=form.stance.data or None,
                commitment=form.commitment.data,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Logged the meeting with {meeting.person.full_name}.", "success")
            if request.args.get("next") == "mine":
                return redirect(url_for("events.mine", day_id=meeting.day_id))
            return redirect(url_for("interactions.show", interaction_id=interaction.id))
    return render_form(
        "events/debrief.html", form=form, meeting=meeting, tz=current_app.config["TIMEZONE"]
    )

"""The Conrad 30 tracker: the map and table of a fiscal year, its CSV, and a state's edit."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.authz import requires
from crm.clock import utcnow
from crm.conrad30 import services
from crm.conrad30.forms import StateYearForm
from crm.errors import DomainError, apply_to_form
from crm.ids import parse_id
from crm.views import csv_response, render_form

bp = Blueprint("conrad30", __name__)


def fiscal_year_arg() -> int:
    """?fy=2027, within a sane range; the current federal fiscal year by default."""
    current = services.fiscal_year(utcnow().date())
    text = request.args.get("fy", "")
    fy = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else current
    return fy if 2000 <= fy <= current + 2 else current


@bp.get("/")
def index():
    """Slots used by every state in a fiscal year, on a map and in a table."""
    fy = fiscal_year_arg()
    return render_template(
        "conrad30/index.html",
        tracker=services.tracker(fy),
        legend=services.MAP_LEGEND,
        current=services.fiscal_year(utcnow().date()),
    )


@bp.get("/conrad30.csv")
def export():
    """The fiscal year's table as CSV."""
    tracker = services.tracker(fiscal_year_arg())
    return csv_response(
        f"conrad30-fy{tracker.fiscal_year}.csv", services.CSV_HEADER, services.csv_rows(tracker)
    )


@bp.route("/<state>/<int:fy>", methods=["GET", "POST"])
@requires("coordinator")
def edit(state: str, fy: int):
    """Record a state's program year and licensure pathway."""
    state = state.upper()
    if state not in services.PROGRAM_STATES or not 2000 <= fy <= 2100:
        abort(404)
    year, pathway = services.get_year(state, fy), services.get_pathway(state)
    form = StateYearForm(obj=year)
    choices = services.form_choices(state)
    form.program_office_id.choices = [(None, "—")] + choices["orgs"]
    form.coordinator_id.choices = [(None, "—")] + choices["people"]
    form.covering_member_id.choices = [(None, "—")] + choices["members"]
    if request.method == "GET":
        form.version.data = year.version if year else ""
        if pathway:
            form.pathway_status.data = pathway.status
            form.pathway_year.data = pathway.law_year
            form.pathway_notes.data = pathway.notes
    if form.validate_on_submit():
        version = form.version.data
        try:
            services.save_state(
                current_user,
                state,
                fy,
                form.year_data(),
                form.pathway_data(),
                parse_id(version),
                utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved {services.PROGRAM_STATES[state]}, FY{fy}.", "success")
            return redirect(url_for("conrad30.index", fy=fy))
    return render_form(
        "conrad30/edit.html", form=form, state=state, name=services.PROGRAM_STATES[state], fy=fy
    )

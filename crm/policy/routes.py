"""Issues and bills, their whip boards, and recording positions."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm import charts
from crm.authz import requires, safe_next
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.models import STANCES
from crm.policy import positions, record, services, whip
from crm.policy.forms import BillForm, CommitmentForm, IssueForm, PositionForm
from crm.policy.positions import Subject
from crm.views import csv_response, get_or_404, render_form

bp = Blueprint("policy", __name__)


@bp.context_processor
def chart_helpers() -> dict:
    """Template helpers for the whip boards: stance colours, percent, sort and filter labels."""
    return {
        "STANCE_FILLS": charts.STANCE_FILLS,
        "percent": charts.percent,
        "SORT_LABELS": whip.SORT_LABELS,
        "RECORD_FILTERS": record.RECORD_FILTERS,
        "WINDOWS": record.WINDOWS,
    }


@bp.get("/issues/")
def index():
    """The issues and bills the coalition works on, each with a link to its whip board."""
    return render_template(
        "policy/index.html", issues=services.list_issues(), bills=services.list_bills()
    )


@bp.get("/issues/issues.csv")
def issues_csv():
    """The issues table as CSV."""
    return csv_response(
        "issues.csv", services.ISSUE_CSV, services.issue_csv_rows(services.list_issues())
    )


@bp.get("/issues/bills.csv")
def bills_csv():
    """The bills table as CSV."""
    return csv_response(
        "bills.csv", services.BILL_CSV, services.bill_csv_rows(services.list_bills())
    )


@bp.route("/issues/new", methods=["GET", "POST"])
@bp.route("/issues/<id:issue_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit_issue(issue_id: int | None = None):
    """Add or edit an issue (coordinators)."""
    issue = get_or_404(services.get_issue, issue_id) if issue_id else None
    form = IssueForm(obj=issue)
    if form.validate_on_submit():
        try:
            issue = services.save_issue(
                current_user,
                issue,
                services.IssueData(
                    name=form.name.data,
                    description=form.description.data,
                    slug=form.slug.data,
                    active=form.active.data,
                    talking_points=form.talking_points.data,
                ),
                utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved the issue {issue.name}.", "success")
            return redirect(url_for("policy.index"))
    return render_form("policy/issue_form.html", form=form, issue=issue)


@bp.route("/bills/new", methods=["GET", "POST"])
@bp.route("/bills/<id:bill_id>/edit", methods=["GET", "POST"])
@requires("coordinator")
def edit_bill(bill_id: int | None = None):
    """Add or edit a bill and the issues it belongs to (coordinators)."""
    bill = get_or_404(services.get_bill, bill_id) if bill_id else None
    form = BillForm(obj=bill)
    if request.method == "GET" and bill:
        form.issues.data = [i.id for i in bill.issues]
    if form.validate_on_submit():
        try:
            bill = services.save_bill(
                current_user,
                bill,
                services.BillData(
                    jurisdiction=form.jurisdiction.data,
                    session=form.session.data,
                    number=form.number.data,
                    title=form.title.data,
                    status=form.status.data,
                    url=form.url.data,
                    introduced_on=form.introduced_on.data,
                    chamber=form.chamber.data or None,
                    issues=form.issues.data or [],
                    talking_points=form.talking_points.data,
                ),
                utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Saved the bill {bill.label}.", "success")
            return redirect(url_for("policy.index"))
    return render_form(
        "policy/bill_form.html", form=form, bill=bill, issue_choices=services.issue_choices()
    )


def board(subject: Subject):
    """The whip board of this issue or bill (404 if missing) with the query's options."""
    found = get_or_404(whip.load_subject, subject)
    options = whip.WhipOptions.from_args(request.args, found)
    return whip.whip_board(subject, options, utcnow(), current_user)


@bp.get("/issues/<id:issue_id>/whip")
def issue_whip(issue_id: int):
    """The whip board of an issue: every target's current position, counts and movement."""
    return render_template(
        "policy/whip.html",
        board=board(Subject("issue", issue_id)),
        mark_form=CommitmentForm(),
    )


@bp.get("/bills/<id:bill_id>/whip")
def bill_whip(bill_id: int):
    """The whip board of a bill (targets default to its chamber and jurisdiction)."""
    return render_template(
        "policy/whip.html", board=board(Subject("bill", bill_id)), mark_form=CommitmentForm()
    )


WHIP_TABLES = {
    "targets": (["Name", *whip.WHIP_CSV[1:]], whip.whip_csv_rows),
    "counts": (["Position", "Count", "Share", "Change over the weeks shown"], whip.counts_csv_rows),
    "weekly": (["Week ending", *STANCES.values()], whip.weekly_csv_rows),
    "commitments": (
        ["Name", "Seat", "Commitment", "Position then", "Made", "Recorded by", "Status"],
        whip.commitments_csv_rows,
    ),
    "conversion": (whip.CONVERSION_CSV, whip.conversion_csv_rows),
}


@bp.get("/issues/<id:issue_id>/whip/<table>.csv")
def issue_whip_csv(issue_id: int, table: str):
    """A whip board table as CSV: targets, counts, weekly or commitments."""
    return whip_csv(Subject("issue", issue_id), table)


@bp.get("/bills/<id:bill_id>/whip/<table>.csv")
def bill_whip_csv(bill_id: int, table: str):
    """A bill's whip board table as CSV: targets, counts, weekly, commitments or conversion
    (offices that cosponsored soon after a meeting)."""
    return whip_csv(Subject("bill", bill_id), table)


def whip_csv(subject: Subject, table: str) -> Response:
    """One of the whip board's tables as a CSV download; 404 for an unknown table."""
    if table not in WHIP_TABLES:
        abort(404)
    header, rows = WHIP_TABLES[table]
    return csv_response(f"whip-{subject.token}-{table}.csv", header, rows(board(subject)))


@bp.post("/people/<id:person_id>/positions")
def record_position(person_id: int):
    """Record a person's position directly, from their page (refused: the page again, 422)."""
    from crm.people.routes import render_person
    from crm.people.services import get_person

    person = get_or_404(get_person, person_id, current_user)
    form = PositionForm()
    subject = Subject.parse(form.subject.data)
    form.refusals = []
    if form.validate_on_submit() and subject is not None:
        try:
            positions.record_position(
                current_user,
                positions.PositionInput(
                    person_id, subject, form.stance.data, form.commitment.data, form.notes.data
                ),
                utcnow(),
            )
        except DomainError as e:
            form.refusals = [e.message]
        else:
            flash("Position recorded.", "success")
            return redirect(url_for("people.show", person_id=person_id) + "#positions")
    else:
        errors = [e for name, errs in form.errors.items() if name != "subject" for e in errs]
        form.refusals = (["Choose an issue or bill."] if subject is None else []) + errors
    return render_person(person, position_form=form), 422


@bp.post("/positions/<id:position_id>/commitment")
@requires("coordinator")
def mark_commitment(position_id: int):
    """Mark a commitment kept, not kept, or pending again (coordinators)."""
    form = CommitmentForm()
    if form.validate_on_submit():
        try:
            position = positions.mark_commitment(
                current_user, position_id, form.status.data, utcnow()
            )
        except LookupError:
            abort(404)
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(
                f"Commitment marked {positions.COMMITMENT_STATUSES[form.status.data].lower()}.",
                "success",
            )
            return redirect(back_to(position.person_id))
    return redirect(back_to(None))


def back_to(person_id: int | None) -> str:
    """Where a commitment form came from (its own page only), else the person page."""
    default = url_for("people.show", person_id=person_id) if person_id else url_for("policy.index")
    return safe_next(request.form.get("next"), default)

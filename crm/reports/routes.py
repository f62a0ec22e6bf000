"""Reports: the coverage map, activity over time, members, and who nobody has contacted."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from crm import charts
from crm.authz import requires
from crm.clock import utcnow
from crm.models import LEVELS
from crm.reports import services
from crm.views import csv_response

bp = Blueprint("reports", __name__)


@bp.context_processor
def chart_helpers() -> dict:
    """Template helpers for the reports' charts: percent, coverage legend, kind colours."""
    return {
        "percent": charts.percent,
        "coverage_legend": charts.coverage_legend(),
        "KIND_FILLS": charts.KIND_FILLS,
    }


def number_arg(name: str, default: int, low: int, high: int) -> int:
    """The query argument as a whole number within bounds; the default when not a number."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


@bp.get("/")
def index():
    """The coverage map of Congress by state, and interactions per week by kind."""
    days = number_arg("days", 90, 1, 3650)
    weeks = number_arg("weeks", 26, 2, 104)
    return render_template(
        "reports/index.html",
        days=days,
        weeks=weeks,
        coverage=services.coverage(utcnow(), days),
        activity=services.activity(utcnow(), current_user.timezone, weeks, viewer=current_user),
    )


@bp.get("/coverage.csv")
def coverage_csv():
    """The coverage table as CSV."""
    report = services.coverage(utcnow(), number_arg("days", 90, 1, 3650))
    return csv_response("coverage.csv", services.COVERAGE_CSV, services.coverage_csv_rows(report))


@bp.get("/activity.csv")
def activity_csv():
    """Interactions per week by kind (or, with table=kinds, per kind over the weeks), as CSV."""
    report = services.activity(
        utcnow(), current_user.timezone, number_arg("weeks", 26, 2, 104), viewer=current_user
    )
    if request.args.get("table") == "kinds":
        return csv_response(
            "activity-by-kind.csv",
            ["Kind", "Contacts", "Share"],
            services.activity_kind_rows(report),
        )
    header = ["Week starting", *[label for _, label in report.kinds], "Total"]
    return csv_response("activity.csv", header, services.activity_csv_rows(report))


@bp.get("/members")
@requires("coordinator")
def members():
    """Each member's contacts logged, assignments done, open and overdue."""
    days = number_arg("days", 90, 1, 3650)
    rows = services.members_table(utcnow(), current_user.timezone, days)
    return render_template("reports/members.html", rows=rows, days=days)


@bp.get("/members.csv")
@requires("coordinator")
def members_csv():
    """The members table as CSV."""
    rows = services.members_table(utcnow(), current_user.timezone, number_arg("days", 90, 1, 3650))
    return csv_response("members.csv", services.MEMBERS_CSV, services.members_csv_rows(rows))


def level_arg() -> str:
    """The level the query asks for; federal by default."""
    level = request.args.get("level", "federal")
    return level if level in LEVELS else "federal"


@bp.get("/not-contacted")
def not_contacted():
    """Legislators nobody has contacted lately, by state, chamber and committee."""
    days = number_arg("days", 90, 1, 3650)
    report = services.not_contacted(utcnow(), days, level_arg())
    return render_template("reports/not_contacted.html", report=report)


@bp.get("/not-contacted/<table>.csv")
def not_contacted_csv(table: str):
    """A not-contacted table as CSV: people, state, chamber or committee."""
    report = services.not_contacted(utcnow(), number_arg("days", 90, 1, 3650), level_arg())
    groups = {
        "state": report.by_state,
        "chamber": report.by_chamber,
        "committee": report.by_committee,
    }
    if table == "people":
        return csv_response(
            "not-contacted.csv",
            services.NOT_CONTACTED_PEOPLE_CSV,
            services.not_contacted_people_rows(report),
        )
    if table not in groups:
        abort(404)
    return csv_response(
        f"not-contacted-by-{table}.csv",
        services.NOT_CONTACTED_GROUP_CSV,
        services.not_contacted_group_rows(groups[table]),
    )

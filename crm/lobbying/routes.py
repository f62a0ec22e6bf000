"""The lobbying-contact report: a page with the LD-2 totals, and CSV and Excel downloads."""

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from crm import options
from crm.clock import local_today, utcnow
from crm.extensions import db
from crm.lobbying import services
from crm.models import User
from crm.views import csv_response

bp = Blueprint("lobbying", __name__)


def report_args():
    """?year=2026&quarter=4, or ?start=...&end=...; ?member=<id>; ?level=federal|state|all."""
    tz = current_app.config["TIMEZONE"]
    year, quarter = services.quarter_of(local_today(utcnow(), tz))
    try:
        year = int(request.args.get("year", year))
        quarter = int(request.args.get("quarter", quarter))
        start, end = services.quarter_dates(year, quarter)
        if request.args.get("start") and request.args.get("end"):
            start = date.fromisoformat(request.args["start"])
            end = date.fromisoformat(request.args["end"])
    except ValueError:
        start, end = services.quarter_dates(*services.quarter_of(local_today(utcnow(), tz)))
    if not (1900 <= start.year <= 2100 and 1900 <= end.year <= 2100) or end < start:
        start, end = services.quarter_dates(*services.quarter_of(local_today(utcnow(), tz)))
    member = None
    text = request.args.get("member", "")
    if text.isascii() and text.isdigit() and len(text) < 10:
        member = db.session.get(User, int(text))
    level = request.args.get("level", "federal")
    level = level if level in services.LEVELS else "federal"
    return start, end, member, level, tz


def build():
    """The lobbying report for the period, member and level the query asks for."""
    start, end, member, level, tz = report_args()
    return services.lobbying_report(current_user, start, end, tz, member=member, level=level)


@bp.get("/")
def index():
    """Contacts with covered officials for a quarter, with the LD-2 totals."""
    report = build()
    members = options.member_pairs()
    return render_template(
        "lobbying/index.html",
        report=report,
        members=members,
        levels=services.LEVELS,
        args=request.args,
    )


def filename(report, ext: str) -> str:
    """The download's file name: period, member if any, and extension."""
    who = f"-{report.member.id}" if report.member else ""
    return f"lobbying-contacts-{report.start.isoformat()}-{report.end.isoformat()}{who}.{ext}"


@bp.get("/contacts.csv")
def export_csv():
    """The report's contacts as CSV."""
    report = build()
    return csv_response(filename(report, "csv"), services.CSV_HEADER, services.csv_rows(report))


@bp.get("/contacts.xlsx")
def export_xlsx():
    """The report as an Excel workbook (contacts, and the totals on a second sheet)."""
    report = build()
    return Response(
        services.xlsx_bytes(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename(report, "xlsx")}"'},
    )

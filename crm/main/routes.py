"""Dashboard and health checks."""

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from crm.assignments.listing import my_work
from crm.authz import public
from crm.bills.moved import what_moved
from crm.clock import utcnow
from crm.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def dashboard():
    """My work due, my recent contacts, the team's feed, and the Log a contact button."""
    now = utcnow()
    mine, feed = services.dashboard_feeds(current_user)
    return render_template(
        "main/dashboard.html",
        mine=mine,
        feed=feed,
        stats=services.dashboard_stats(current_user, now),
        work=my_work(current_user, now),
        moved=what_moved(current_user.id, now),
    )


@bp.get("/healthz")
@public
def healthz():
    """The process is alive (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz():
    """Ready to serve: database and job queue (Redis or the embedded broker) reachable; 503 not."""
    report = services.readiness(current_app.config)
    return jsonify(report), 200 if report["ready"] else 503

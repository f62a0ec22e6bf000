"""Dashboard and health checks."""

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from crm.assignments.listing import my_work
from crm.authz import public
from crm.bills.moved import what_moved
from crm.clock import utcnow
from crm.interactions.services import feed_items, recent_feed_select
from crm.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def dashboard():
    """My work due, my recent contacts, the team's feed, and the Log a contact button."""
    mine, feed = feed_items(
        recent_feed_select(current_user, limit=10, mine=True),
        recent_feed_select(current_user, limit=20),
    )
    return render_template(
        "main/dashboard.html",
        mine=mine,
        feed=feed,
        stats=services.dashboard_stats(current_user),
        work=my_work(current_user, utcnow()),
        moved=what_moved(current_user.id, utcnow()),
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

"""Authorization in one place.

Every endpoint needs a signed-in, active user unless marked @public; @requires(role) raises the
bar. One before_request hook enforces it, so a new route is protected by default. Rules about a
particular record (who may edit an interaction) are the functions at the bottom, used by services.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from crm.auth.twofactor import needs_enrolment
from crm.models import ROLE_RANK, Assignment, Interaction, User

PUBLIC_ATTR = "_crm_public"
# Blueprints that authenticate each call themselves (crm/api/auth.py: a token, never a session);
# their OpenAPI document and documentation page are public.
TOKEN_BLUEPRINTS = {"api"}
PUBLIC_BLUEPRINTS = {"api-docs", "api_docs"}
ROLE_ATTR = "_crm_role"
ENROLMENT_ATTR = "_crm_enrolment_step"


def public(view: Callable) -> Callable:
    """Reachable without signing in (sign-in page, health checks, signed links)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def enrolment_step(view: Callable) -> Callable:
    """Usable by a signed-in user who still has to set up required two-factor sign-in."""
    setattr(view, ENROLMENT_ATTR, True)
    return view


def requires(role: str) -> Callable[[Callable], Callable]:
    """Only users with at least this role (member < coordinator < admin)."""
    assert role in ROLE_RANK, role

    def decorate(view: Callable) -> Callable:
        setattr(view, ROLE_ATTR, role)
        return view

    return decorate


def required_role(endpoint: str | None) -> str | None:
    """The role an endpoint needs; None when it is public. Used by the hook and the tests."""
    if endpoint is None or endpoint == "static":
        return None
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in PUBLIC_BLUEPRINTS:
        return None
    if blueprint in TOKEN_BLUEPRINTS:
        return "token"
    view = current_app.view_functions.get(endpoint)
    if view is None or getattr(view, PUBLIC_ATTR, False):
        return None
    return getattr(view, ROLE_ATTR, "member")


def enforce_access():
    """Before each request: send the signed-out to sign in, refuse a role too low (403), and send
    who must set up two-factor sign-in to do so."""
    role = required_role(request.endpoint)
    if role is None or role == "token":  # tokens: checked by the blueprint's own hook
        return None
    partial = request.headers.get("HX-Request") or (
        request.accept_mimetypes.best == "application/json"
    )
    if not current_user.is_authenticated:
        if partial:
            abort(401)
        ended = g.get("session_ended")
        if ended:
            flash(session_ended_message(ended), "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.has_role(role):
        abort(403)
    view = current_app.view_functions.get(request.endpoint)
    if needs_enrolment(current_user) and not getattr(view, ENROLMENT_ATTR, False):
        if partial:
            abort(403)
        flash("Your role needs two-factor sign-in. Set it up to continue.", "warning")
        return redirect(url_for("settings.two_factor"))
    return None


def session_ended_message(reason: str) -> str:
    """What to tell a user whose session ended, idle ("idle") or at its maximum age."""
    cfg = current_app.config
    if reason == "idle":
        return (
            f"You were signed out after {cfg['SESSION_IDLE_MINUTES']} minutes without "
            "activity. Sign in again to continue."
        )
    return f"Sessions last at most {cfg['SESSION_MAX_HOURS']} hours. Sign in again to continue."


def init_app(app: Flask) -> None:
    """Check access before every request."""
    app.before_request(enforce_access)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


# ---- record-level rules, used by services ----


def can_edit_interaction(user: User, interaction: Interaction) -> bool:
    """Whether the user may edit a contact: coordinators, and whoever logged it."""
    return user.is_coordinator or interaction.logged_by_id == user.id


def can_assign_to(user: User, assignee_id: int) -> bool:
    """Coordinators assign anyone; a member only gives work to themselves (follow-ups)."""
    return user.is_coordinator or assignee_id == user.id


def can_reassign(user: User) -> bool:
    """Whether the user may reassign assignments (coordinators)."""
    return user.is_coordinator


def can_work_on(user: User, assignment: Assignment) -> bool:
    """Start, finish, snooze, reopen: the assignee or a coordinator."""
    return user.is_coordinator or assignment.assignee_id == user.id


def can_edit_assignment(user: User, assignment: Assignment) -> bool:
    """Change what is asked, or cancel it: a coordinator, or a member for their own to-dos."""
    return user.is_coordinator or (
        assignment.assignee_id == user.id and assignment.created_by_id == user.id
    )


def can_see_assignment(user: User, assignment: Assignment) -> bool:
    """Everyone sees who is on what (that is how collisions are avoided); deleted ones only
    coordinators."""
    return assignment.deleted_at is None or user.is_coordinator

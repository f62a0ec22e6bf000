"""Signed links from emails, usable without signing in (each token is the credential).

Opening a link (GET) never changes anything: mail scanners follow links. It shows a button that
POSTs. The unsubscribe POST also accepts RFC 8058 one-click requests from mail clients, which
cannot carry a CSRF token; the signed, single-purpose token protects it instead.
"""

from flask import Blueprint, render_template, request

from crm.assignments import email_links
from crm.assignments.email_links import LinkStale
from crm.authz import public
from crm.clock import utcnow
from crm.errors import DomainError
from crm.extensions import csrf
from crm.forms import EmptyForm
from crm.links import services
from crm.links.services import LinkExpired

bp = Blueprint("links", __name__)

ACTIONS = {
    "done": ("Mark as done", email_links.complete_from_link),
    "snooze": ("Snooze for a week", email_links.snooze_from_link),
}


def refused(error: DomainError):
    """The page for an email link that cannot be used: 410 expired, 409 stale, else 400."""
    status = 410 if isinstance(error, LinkExpired) else 409 if isinstance(error, LinkStale) else 400
    return render_template("links/refused.html", message=error.message), status


def assignment_action(purpose: str, token: str):
    """Show the assignment a link is about with its button; on POST, do the one thing it is for."""
    label, action = ACTIONS[purpose]
    form = EmptyForm()
    try:
        data = services.read_token(purpose, token)
        user = services.link_user(data)
        assignment = email_links.linked_assignment(data.get("a"), user)
        email_links.check_link_state(purpose, assignment, data.get("v"), user, utcnow())
        if form.validate_on_submit():
            assignment, changed = action(assignment.id, user, data.get("v"), utcnow())
            return render_template(
                "links/done.html", purpose=purpose, assignment=assignment, changed=changed
            )
    except DomainError as e:
        return refused(e)
    return render_template(
        "links/confirm.html",
        purpose=purpose,
        label=label,
        assignment=assignment,
        target=assignment.target_name,
        form=form,
    )


@bp.route("/links/done/<token>", methods=["GET", "POST"])
@public
def done(token: str):
    """Mark an assignment done from an email, without signing in."""
    return assignment_action("done", token)


@bp.route("/links/snooze/<token>", methods=["GET", "POST"])
@public
def snooze(token: str):
    """Snooze an assignment for a week from an email, without signing in."""
    return assignment_action("snooze", token)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """Stop the digest or reminder emails: a page with a button, and RFC 8058 one-click POST."""
    try:
        data = services.read_token("unsubscribe", token)
        if request.method == "POST":
            user, list_name, changed = services.unsubscribe(data, utcnow())
            return render_template(
                "links/unsubscribed.html",
                user=user,
                changed=changed,
                list_name=services.LIST_NAMES[list_name],
            )
        user = services.link_user(data)
        list_name = services.LIST_NAMES.get(data.get("l"))
        if list_name is None:
            raise DomainError("This link is not valid.")
    except DomainError as e:
        return refused(e)
    return render_template("links/unsubscribe.html", user=user, list_name=list_name)

"""My digest in the browser."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from crm.clock import utcnow
from crm.digests import services
from crm.email import render_email

bp = Blueprint("digests", __name__)


@bp.get("/preview")
def preview():
    """This week's digest as it would be sent to me now (?format=text for the plain part)."""
    digest = services.build_digest(current_user, utcnow())
    context = services.digest_context(digest)
    text = render_email("digest", context)[0] if request.args.get("format") == "text" else None
    return render_template("digests/preview.html", text=text, **context)

"""The meeting brief of a person, as a printable page and as a PDF."""

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from crm.briefs import services
from crm.ids import parse_id
from crm.people.services import get_person
from crm.policy.services import list_bills, list_issues
from crm.views import get_or_404

bp = Blueprint("briefs", __name__)


def subject_from_args():
    """?issue=<id> or ?bill=<id>: the subject the brief is for (None: every issue)."""
    for kind in ("issue", "bill"):
        record_id = parse_id(request.args.get(kind))
        if record_id is not None:
            return services.load_subject(kind, record_id)
    return None


def brief_of(person_id: int):
    """The meeting brief for this person (404 if not visible), about the subject in the query."""
    person = get_or_404(get_person, person_id, current_user)
    return services.meeting_brief(person, current_user, subject_from_args())


@bp.get("/<id:person_id>/brief")
def show(person_id: int):
    """The brief as a page (its print stylesheet fits one sheet)."""
    brief = brief_of(person_id)
    return render_template(
        "briefs/page.html", brief=brief, issues=list_issues(), bills=list_bills(), pdf=False
    )


@bp.get("/<id:person_id>/brief.pdf")
def pdf(person_id: int):
    """The brief as a PDF, to print or to send ahead of a meeting."""
    brief = brief_of(person_id)
    html = render_template("briefs/brief.html", brief=brief, pdf=True)
    name = brief.person.sort_name.replace(" ", "-").replace(",", "")[:60] or "brief"
    return Response(
        services.brief_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="brief-{name}.pdf"'},
    )

"""The search box: a results page (a plain GET form works without scripts) and the suggestions
its combobox shows while typing."""

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import current_user

from crm.forms import strip_filter
from crm.models import INTERACTION_KINDS
from crm.search import services

bp = Blueprint("search", __name__)


def query_arg() -> str:
    """The search words from `q`, cleaned and at most 100 characters."""
    return strip_filter(request.args.get("q") or "")[:100]


@bp.get("/search")
def results():
    """Everything matching the query that the user may see, grouped by kind with counts."""
    q = query_arg()
    found = services.search(current_user, q) if q else None
    return render_template("search/results.html", q=q, found=found, describe=suggestion)


def suggestion(kind: str, record) -> dict:
    """One suggestion: what it is, a detail line, and the page it opens."""
    if kind == "person":
        detail = record.seat or (record.organization.name if record.organization else "")
        return {
            "label": record.full_name,
            "detail": detail,
            "url": url_for("people.show", person_id=record.id),
        }
    if kind == "organization":
        return {
            "label": record.name,
            "detail": "",
            "url": url_for("organizations.show", org_id=record.id),
        }
    if kind == "issue":
        return {
            "label": record.name,
            "detail": "",
            "url": url_for("policy.issue_whip", issue_id=record.id),
        }
    if kind == "bill":
        return {
            "label": f"{record.number}",
            "detail": record.title,
            "url": url_for("bills.show", bill_id=record.id),
        }
    when = f"{INTERACTION_KINDS.get(record.kind, record.kind)}, {record.occurred_at:%b %-d, %Y}"
    names = ", ".join(
        [p.full_name for p in record.people]
        + ([record.organization.name] if record.organization_id else [])
    )
    return {
        "label": record.subject or "(no subject)",
        "detail": f"{when} · {names}" if names else when,
        "url": url_for("interactions.show", interaction_id=record.id),
    }


@bp.get("/search/suggest")
def suggest():
    """The nav box's suggestions as JSON: a few of each kind, the counts, and the results URL."""
    q = query_arg()
    found = services.search(current_user, q, limit=4) if q else None
    groups = []
    for group in found.groups if found else []:
        if group.items:
            groups.append(
                {
                    "label": group.label,
                    "count": group.count_text,
                    "items": [suggestion(group.kind, r) for r in group.items],
                }
            )
    return jsonify({"q": q, "groups": groups, "all": url_for("search.results", q=q)})

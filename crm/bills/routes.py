"""The bill page (from the official record) and tracking a bill."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.authz import requires
from crm.bills import services
from crm.clock import utcnow
from crm.forms import EmptyForm
from crm.policy.services import get_bill
from crm.views import get_or_404

bp = Blueprint("bills", __name__)


@bp.get("/<id:bill_id>")
def show(bill_id: int):
    """A bill: actions, committees and members, cosponsors over time, related bills, contacts."""
    bill = get_or_404(get_bill, bill_id)
    data = services.bill_page(bill, current_user)
    return render_template("bills/show.html", bill=bill, data=data, form=EmptyForm())


@bp.post("/<id:bill_id>/track")
@requires("coordinator")
def track(bill_id: int):
    """Track a bill (the periodic refresh keeps it up to date) or stop tracking it."""
    bill = get_or_404(get_bill, bill_id)
    form = EmptyForm()
    if form.validate_on_submit():
        services.set_tracked(current_user, bill, not bill.tracked, utcnow())
        flash(f"{bill.label}: {'tracked' if bill.tracked else 'no longer tracked'}.", "success")
    return redirect(url_for("bills.show", bill_id=bill.id))

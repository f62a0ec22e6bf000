"""My settings: profile, time zone, digest."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from crm.clock import utcnow
from crm.email import absolute_url
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.settings import services
from crm.settings.forms import ProfileForm
from crm.views import render_form

bp = Blueprint("settings", __name__)


@bp.route("/", methods=["GET", "POST"])
def profile():
    """Edit my name, home state, time zone and digest settings."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            services.update_profile(current_user, data, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Your settings were saved.", "success")
            return redirect(url_for("settings.profile"))
    return render_form(
        "settings/profile.html",
        form=form,
        button=EmptyForm(),
        calendar_url=absolute_url("assignments.calendar_feed", token=current_user.calendar_token),
    )


@bp.post("/calendar")
def regenerate_calendar():
    """Replace my calendar feed's secret URL; the old one stops working."""
    if EmptyForm().validate_on_submit():
        services.regenerate_calendar_token(current_user, utcnow())
        flash(
            "Your calendar has a new address. Update it in your calendar app; the old one no "
            "longer works.",
            "success",
        )
    return redirect(url_for("settings.profile") + "#calendar")

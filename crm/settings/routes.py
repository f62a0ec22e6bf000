"""My settings: profile, time zone, digest."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from crm.clock import utcnow
from crm.email import absolute_url
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.settings import services
from crm.settings.forms import ProfileForm

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
    status = 422 if form.errors or form.form_errors else 200
    return render_profile(form), status


def render_profile(form: ProfileForm, calendar_url: str | None = None) -> str:
    return render_template(
        "settings/profile.html",
        form=form,
        button=EmptyForm(),
        has_calendar=current_user.calendar_token_hash is not None,
        calendar_url=calendar_url,
    )


@bp.post("/calendar")
def regenerate_calendar():
    """Make my calendar feed's secret URL (replacing the old one) and show it this once: only
    its digest is stored, so it cannot be shown again."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("settings.profile") + "#calendar")
    token = services.regenerate_calendar_token(current_user, utcnow())
    flash(
        "Your calendar has a new address, shown below this once. Add it to your calendar app; "
        "any older address no longer works.",
        "success",
    )
    url = absolute_url("assignments.calendar_feed", token=token)
    return render_profile(ProfileForm(obj=current_user), calendar_url=url)

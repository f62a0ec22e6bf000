"""My settings: profile, time zone, digest; password, sessions and two-factor sign-in."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask import session as cookie
from flask_login import current_user

from crm.api import tokens as api_tokens
from crm.auth import services as accounts
from crm.auth import twofactor
from crm.authz import enrolment_step
from crm.clock import utcnow
from crm.email import absolute_url
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.reminders.services import sending_hours_text
from crm.settings import services
from crm.settings.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    ProfileForm,
)
from crm.views import client_ip, render_form

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
    return render_profile(form)


def render_profile(form: ProfileForm, calendar_url: str | None = None):
    """Render the profile page (422 with errors), with the calendar feed URL when just made."""
    return render_form(
        "settings/profile.html",
        form=form,
        button=EmptyForm(),
        has_calendar=current_user.calendar_token_hash is not None,
        calendar_url=calendar_url,
        quiet_hours=sending_hours_text(),
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


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change my password (the current one is required); my other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = accounts.change_password(
                current_user,
                current=form.current_password.data,
                new=form.new_password.data,
                current_token=current_user.session_token,
                ip=client_ip(),
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            others = f" {ended} other session{'s' if ended != 1 else ''} ended." if ended else ""
            flash(f"Your password was changed.{others}", "success")
            return redirect(url_for("settings.sessions"))
    return render_form("settings/password.html", form=form)


@bp.get("/sessions")
def sessions():
    """Where I am signed in (device, address, last seen), with "sign out everywhere else"."""
    return render_template(
        "settings/sessions.html",
        sessions=accounts.live_sessions(current_user, utcnow()),
        current_token=current_user.session_token,
        button=EmptyForm(),
        describe=accounts.describe_user_agent,
    )


@bp.post("/sessions/end-others")
def end_other_sessions():
    """Sign out every other browser and device at once."""
    if EmptyForm().validate_on_submit():
        ended = accounts.end_other_sessions(current_user, current_user.session_token, utcnow())
        flash(
            f"Signed out everywhere else ({ended} session{'s' if ended != 1 else ''}).",
            "success",
        )
    return redirect(url_for("settings.sessions"))


TOTP_PENDING = "totp_pending_secret"


@bp.route("/two-factor", methods=["GET", "POST"])
@enrolment_step
def two_factor():
    """Set up two-factor sign-in: scan the QR code, confirm one code, keep the recovery codes."""
    if current_user.has_two_factor:
        return render_template(
            "settings/two_factor_on.html",
            left=twofactor.recovery_codes_left(current_user),
            required=twofactor.required_for(current_user),
            disable_form=DisableTwoFactorForm(),
            button=EmptyForm(),
        )
    # The secret waits in the signed cookie until a code proves the app has it (GET writes
    # nothing to the database).
    secret = cookie.get(TOTP_PENDING)
    if not secret:
        secret = cookie[TOTP_PENDING] = twofactor.new_secret()
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = accounts.enable_two_factor(
                current_user, secret=secret, code=form.code.data, now=utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            cookie.pop(TOTP_PENDING, None)
            return render_template("settings/recovery_codes.html", codes=codes, new=True)
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_form(
        "settings/two_factor_setup.html",
        form=form,
        secret=secret,
        qr=twofactor.qr_svg_data_uri(uri),
        required=twofactor.required_for(current_user),
    )


@bp.post("/two-factor/disable")
def disable_two_factor():
    """Turn two-factor sign-in off (my password is required)."""
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            accounts.disable_two_factor(
                current_user, password=form.password.data, ip=client_ip(), now=utcnow()
            )
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash("Two-factor sign-in is off.", "success")
    else:
        flash("Enter your password to turn two-factor sign-in off.", "danger")
    return redirect(url_for("settings.two_factor"))


@bp.post("/two-factor/recovery-codes")
def new_recovery_codes():
    """Replace my recovery codes (the old ones stop working) and show the new ones once."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("settings.two_factor"))
    try:
        codes = accounts.regenerate_recovery_codes(current_user, utcnow())
    except DomainError as e:
        flash(e.message, "danger")
        return redirect(url_for("settings.two_factor"))
    return render_template("settings/recovery_codes.html", codes=codes, new=False)


@bp.route("/api-tokens", methods=["GET", "POST"])
def api_tokens_page():
    """My API tokens: make one (its secret is shown this once), see when each was last used,
    revoke them."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        scopes = ["read", "write"] if form.write.data else ["read"]
        try:
            token, secret = api_tokens.create_token(
                current_user, form.name.data, scopes, form.expires_in_days.data, utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Token “{token.name}” made. Copy it now: it is shown this once.", "success")
            form = ApiTokenForm(formdata=None)
    return render_form(
        "settings/api_tokens.html",
        form=form,
        secret=secret,
        tokens=api_tokens.tokens_of(current_user),
        now=utcnow(),
        button=EmptyForm(),
    )


@bp.post("/api-tokens/<id:token_id>/revoke")
def revoke_api_token(token_id: int):
    """Revoke one of my tokens: calls with it are refused from now on."""
    if EmptyForm().validate_on_submit():
        try:
            token = api_tokens.revoke_token(current_user, token_id, utcnow())
        except (LookupError, DomainError):
            flash("That token is not one of yours.", "danger")
        else:
            flash(f"Token “{token.name}” revoked.", "success")
    return redirect(url_for("settings.api_tokens_page"))

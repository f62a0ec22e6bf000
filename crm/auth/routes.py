"""Sign in, sign out, accept an invitation."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from crm.auth import services
from crm.auth.forms import AcceptInvitationForm, LoginForm
from crm.authz import public, safe_next
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.extensions import login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_session(token)


def client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password; throttled per account and per address."""
    target = safe_next(request.args.get("next"), url_for("main.dashboard"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            session = services.authenticate(
                form.email.data,
                form.password.data,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
            return render_template("auth/login.html", form=form), 200
        from flask import session as cookie

        cookie.clear()  # nothing from before sign-in carries over
        user = session.user
        user.session_token = session.token
        login_user(user)
        return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out: the server-side session is revoked, so a copied cookie no longer works."""
    services.sign_out(current_user.session_token, utcnow())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Create an account from a signed invitation link."""
    try:
        invitation = services.read_invitation(token)
    except DomainError as e:
        return render_template("auth/invitation_invalid.html", message=e.message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(
                token, password=form.password.data, timezone=form.timezone.data, now=utcnow()
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Your account is ready. Sign in with your new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)

"""Sign in (password, then the second factor if set up), sign out, reset a forgotten password,
accept an invitation."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_user, logout_user

from crm.auth import services
from crm.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    TwoFactorForm,
)
from crm.authz import enrolment_step, public, safe_next
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.extensions import login_manager
from crm.views import client_ip, render_form

bp = Blueprint("auth", __name__)

PENDING = "two_factor_pending"  # the signed cookie's note of a password already checked
PENDING_MAX_AGE = 5 * 60


@login_manager.user_loader
def load_user(token: str):
    """The user of this session token, or None (noting in g why the session ended, if it did)."""
    user, ended = services.load_session(token, utcnow())
    if ended:
        g.session_ended = ended  # authz tells the person why they have to sign in again
    return user


def start_session(session, target: str, message: str | None = None):
    """Put a new server-side session in a fresh cookie and go on."""
    cookie.clear()  # nothing from before sign-in carries over
    user = session.user
    user.session_token = session.token
    login_user(user)
    if message:
        flash(message, "success")
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password; throttled per account and per address."""
    target = safe_next(request.args.get("next"), url_for("main.dashboard"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        try:
            result = services.authenticate(
                form.email.data,
                form.password.data,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
            return render_template("auth/login.html", form=form), 200
        if result.session is None:
            cookie.clear()
            cookie[PENDING] = {"u": result.user.id, "at": utcnow().timestamp(), "next": target}
            return redirect(url_for("auth.two_factor"))
        return start_session(result.session, target)
    return render_template("auth/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
def two_factor():
    """Second step of sign-in: a code from the authenticator app, or a recovery code."""
    pending = cookie.get(PENDING)
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_MAX_AGE:
        cookie.pop(PENDING, None)
        if request.method == "POST":
            flash("That took too long. Sign in again.", "warning")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            session = services.complete_two_factor(
                pending["u"],
                form.code.data,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            return start_session(session, safe_next(pending.get("next"), url_for("main.dashboard")))
    return render_form("auth/two_factor.html", form=form)


@bp.post("/logout")
@enrolment_step
def logout():
    """Sign out: the server-side session is revoked, so a copied cookie no longer works."""
    services.sign_out(current_user.session_token, utcnow())
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a reset link by email; the answer is the same whether an account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, ip=client_ip(), now=utcnow())
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_form("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password from an emailed link (single use, expiring)."""
    try:
        user = services.read_reset_token(token, utcnow())
    except DomainError as e:
        return render_template("auth/reset_invalid.html", message=e.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, password=form.password.data, now=utcnow())
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash("Your password was changed. Sign in with it.", "success")
            return redirect(url_for("auth.login", email=user.email))
    return render_form("auth/reset_password.html", form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Create an account from a signed invitation link, and sign in with it."""
    try:
        invitation = services.read_invitation(token)
    except DomainError as e:
        return render_template("auth/invitation_invalid.html", message=e.message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            session = services.accept_invitation(
                token,
                password=form.password.data,
                timezone=form.timezone.data,
                ip=client_ip(),
                user_agent=request.user_agent.string,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            if current_user.is_authenticated:  # someone else was signed in in this browser
                services.sign_out(current_user.session_token, utcnow())
                logout_user()
            return start_session(session, url_for("main.dashboard"), "Your account is ready.")
    return render_form("auth/accept_invitation.html", form=form, invitation=invitation)

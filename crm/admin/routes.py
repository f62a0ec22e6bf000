"""Administration: users and invitations, the dev mailbox."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from crm.admin import services
from crm.admin.forms import InviteForm, RoleForm
from crm.auth import services as accounts
from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.views import get_or_404, render_form

bp = Blueprint("admin", __name__)


@bp.route("/users", methods=["GET", "POST"])
@requires("admin")
def users():
    """All accounts, with the invitation form."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            accounts.invite(
                current_user,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                home_state=form.home_state.data or None,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("admin.users"))
    return render_form(
        "admin/users.html",
        users=services.list_users(),
        form=form,
        role_form=RoleForm(),
        button=EmptyForm(),
    )


@bp.post("/users/<id:user_id>/role")
@requires("admin")
def change_role(user_id: int):
    """Make someone a member, coordinator or admin."""
    user = get_or_404(services.get_user, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_role(current_user, user, form.role.data, utcnow())
            flash(f"{user.name} is now {form.role.data}.", "success")
        except DomainError as e:
            flash(e.message, "danger")
    return redirect(url_for("admin.users"))


@bp.post("/users/<id:user_id>/deactivate")
@requires("admin")
def deactivate(user_id: int):
    """Block sign-in and end the user's sessions at once."""
    return set_active(user_id, False)


@bp.post("/users/<id:user_id>/activate")
@requires("admin")
def activate(user_id: int):
    """Allow a deactivated user to sign in again."""
    return set_active(user_id, True)


@bp.post("/users/<id:user_id>/send-reset")
@requires("admin")
def send_password_reset(user_id: int):
    """Email someone a link to choose a new password."""
    user = get_or_404(services.get_user, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.send_password_reset(current_user, user, utcnow())
            flash(f"A password reset link was sent to {user.email}.", "success")
        except DomainError as e:
            flash(e.message, "danger")
    return redirect(url_for("admin.users"))


def set_active(user_id: int, active: bool):
    """Deactivate or reactivate an account (POST, CSRF-checked), then back to the users list."""
    user = get_or_404(services.get_user, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(current_user, user, active, utcnow())
            flash(f"{user.name} was {'reactivated' if active else 'deactivated'}.", "success")
        except DomainError as e:
            flash(e.message, "danger")
    return redirect(url_for("admin.users"))


@bp.get("/mailbox")
@requires("admin")
def mailbox():
    """Mail the development backend kept instead of sending."""
    return render_template("admin/mailbox.html", messages=services.mailbox())


@bp.get("/mailbox/<id:mail_id>")
@requires("admin")
def mail(mail_id: int):
    """One kept message: the HTML part rendered in a sandboxed frame, the text part beside it."""
    return render_template("admin/mail.html", mail=get_or_404(services.get_mail, mail_id))


@bp.get("/mailbox/<id:mail_id>/html")
@requires("admin")
def mail_html(mail_id: int):
    """The HTML part as a mail client shows it, for the mailbox's sandboxed frame only."""
    message = get_or_404(services.get_mail, mail_id)
    if not message.html_body:
        abort(404)
    response = make_response(services.framed_html(message.html_body, message.subject))
    response.headers.update(services.MAIL_FRAME_HEADERS)
    return response


@bp.get("/status")
@requires("admin")
def status():
    """System status: each periodic job's last run, the email ledger's failures and unknowns."""
    from crm.heartbeat import job_statuses
    from crm.reminders.services import sending_hours_text

    return render_template(
        "admin/status.html",
        jobs=job_statuses(utcnow()),
        quiet_hours=sending_hours_text(),
        counts=services.ledger_counts(),
        problems=services.ledger_problems(),
        button=EmptyForm(),
    )


@bp.post("/status/notifications/<id:notification_id>/resend")
@requires("admin")
def resend_notification(notification_id: int):
    """Send a failed or unknown message again."""
    from crm.email import outbox

    return ledger_action(outbox.resend, notification_id, "Queued to be sent again.")


@bp.post("/status/notifications/<id:notification_id>/delivered")
@requires("admin")
def confirm_delivered(notification_id: int):
    """Record that a message in doubt did arrive (it will not be resent)."""
    from crm.email import outbox

    return ledger_action(outbox.confirm_delivered, notification_id, "Marked as delivered.")


def ledger_action(action, notification_id: int, message: str):
    """Run an email-ledger action (resend, mark delivered) on one notification; back to status."""
    from crm.email import outbox

    row = get_or_404(outbox.get_notification, notification_id)
    if EmptyForm().validate_on_submit():
        try:
            action(current_user, row, utcnow())
            flash(message, "success")
        except DomainError as e:
            flash(e.message, "danger")
    return redirect(url_for("admin.status"))

"""Admin: start a directory import, watch its progress, read the history."""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from crm import jobs
from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import EmptyForm
from crm.imports import services
from crm.imports.forms import ImportForm
from crm.views import get_or_404, render_form

bp = Blueprint("imports", __name__)


@bp.route("/", methods=["GET", "POST"])
@requires("admin")
def index():
    """The import form and the history of runs."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            run, queued = services.start_import(
                current_user,
                kind=form.kind.data,
                url=form.url.data,
                uploads=form.uploads(),
                states=form.states.data,
                bill=form.bill.data,
                dry_run=form.dry_run.data,
                now=utcnow(),
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            if queued:
                flash(f"Import #{run.id} was queued.", "success")
            else:
                flash(
                    f"Import #{run.id} is saved but the job queue could not be reached; "
                    f"it will start once the queue is back and you send it again.",
                    "warning",
                )
            return redirect(url_for("imports.show", run_id=run.id))
    return render_form(
        "imports/index.html", form=form, runs=services.list_runs(), kinds=services.SHORT_KINDS
    )


@bp.get("/worker")
@requires("admin")
def worker():
    """Whether a worker is listening (loaded after the page, so the page never waits)."""
    return render_template("imports/_worker.html", worker=jobs.worker_status())


@bp.get("/<id:run_id>")
@requires("admin")
def show(run_id: int):
    """One run: progress, counts, errors, and every change it made."""
    run = get_or_404(services.get_run, run_id)
    return render_template(
        "imports/show.html",
        run=run,
        kinds=services.SHORT_KINDS,
        details=services.run_details(run),
        button=EmptyForm(),
        stalled=services.is_dead(run, utcnow()),
    )


@bp.get("/<id:run_id>/status")
@requires("admin")
def status(run_id: int):
    """The run's progress, polled by the run page while it is queued or running."""
    run = get_or_404(services.get_run, run_id)
    worker = jobs.worker_status() if run.status == "queued" else None
    response = make_response(
        render_template(
            "imports/_status.html",
            run=run,
            worker=worker,
            button=EmptyForm(),
            stalled=services.is_dead(run, utcnow()),
        )
    )
    if run.finished_at and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"  # finished: reload to show the results
    return response


@bp.post("/<id:run_id>/retry")
@requires("admin")
def retry(run_id: int):
    """Send a queued run to the job queue again."""
    run = get_or_404(services.get_run, run_id)
    if EmptyForm().validate_on_submit():
        try:
            queued = services.retry_run(current_user, run, utcnow())
        except DomainError as e:
            flash(e.message, "danger")
        else:
            flash(
                "Sent to the job queue again."
                if queued
                else "The job queue still cannot be reached.",
                "info" if queued else "warning",
            )
    return redirect(url_for("imports.show", run_id=run_id))

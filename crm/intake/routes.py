"""Import your own data: upload a CSV or Excel file, map its columns, check the dry run, import;
and the contact log as CSV in the same columns."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from crm.authz import requires
from crm.clock import utcnow
from crm.errors import DomainError, apply_to_form
from crm.forms import BaseForm, EmptyForm
from crm.intake import services
from crm.intake.mapping import FIELDS
from crm.views import csv_response, get_or_404, render_form

bp = Blueprint("intake", __name__)


class UploadForm(BaseForm):
    """Upload a spreadsheet of people or contact history, with an optional saved mapping."""

    file = FileField("CSV or Excel file", validators=[FileRequired("Choose a file.")])
    kind = SelectField(
        "It holds", choices=[("people", "People and organizations"), ("history", "Contact history")]
    )
    saved = SelectField("Columns", choices=[("", "Guess from the headers")], validate_choice=False)


class MappingForm(BaseForm):
    """Confirm the column mapping, optionally keeping it under a name."""

    save_as = StringField(
        "Keep this mapping as (optional)", validators=[Optional(), Length(max=120)]
    )


def decisions_from_form() -> dict[int, str]:
    """row-<line> = "new" or a person's id, for the rows that asked for a decision."""
    out = {}
    for key, value in request.form.items():
        if key.startswith("row-") and key[4:].isdigit() and (value == "new" or value.isdigit()):
            out[int(key[4:])] = value
    return out


@bp.route("/", methods=["GET", "POST"])
@requires("coordinator")
def upload():
    """Step 1: upload the file and say what it holds."""
    form = UploadForm()
    form.saved.choices = [("", "Guess from the headers")] + [
        (n, f"Saved: {n}") for n in services.saved_mapping_names()
    ]
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            item = services.save_upload(
                current_user,
                form.kind.data,
                form.file.data.filename or "upload.csv",
                data,
                utcnow(),
                saved_mapping=form.saved.data or None,
            )
        except DomainError as e:
            apply_to_form(form, e)
        else:
            return redirect(url_for("intake.mapping", upload_id=item.id))
    return render_form("intake/upload.html", form=form)


@bp.route("/<id:upload_id>", methods=["GET", "POST"])
@requires("coordinator")
def mapping(upload_id: int):
    """Step 2: which column is which field, with the first rows as a preview."""
    item = get_or_404(services.get_upload, upload_id)
    table = services.upload_table(item)
    form = MappingForm()
    current = services.upload_mapping(item)
    if form.validate_on_submit():
        columns = {i: request.form.get(f"col-{i}", "") for i in range(len(table.headers))}
        try:
            services.set_mapping(current_user, item, columns, form.save_as.data or None, utcnow())
        except DomainError as e:
            apply_to_form(form, e)
            current = {i: f for i, f in columns.items() if f}
        else:
            return redirect(url_for("intake.check", upload_id=item.id))
    return render_form(
        "intake/mapping.html",
        item=item,
        table=table,
        form=form,
        current=current,
        fields=FIELDS[item.kind],
    )


@bp.route("/<id:upload_id>/check", methods=["GET", "POST"])
@requires("coordinator")
def check(upload_id: int):
    """Step 3: the dry run, row by row; confirm close matches; import all or nothing."""
    item = get_or_404(services.get_upload, upload_id)
    tz = current_app.config["TIMEZONE"]
    form = EmptyForm()
    decisions = decisions_from_form() if request.method == "POST" else {}
    if form.validate_on_submit():
        try:
            plan, result = services.import_upload(current_user, item, decisions, tz, utcnow())
        except DomainError as e:
            flash(e.message, "danger")
            return redirect(url_for("intake.check", upload_id=item.id))
        if result is not None:
            flash(
                f"Imported: {result['created']} created, {result['linked']} linked, "
                f"{result['skipped']} skipped.",
                "success",
            )
            return redirect(url_for("intake.check", upload_id=item.id))
        status = 422
    else:
        plan, status = services.plan_upload(item, decisions, tz, utcnow()), 200
    return render_template(
        "intake/check.html", item=item, plan=plan, form=form, decisions=decisions
    ), status


@bp.get("/<id:upload_id>/report.csv")
@requires("coordinator")
def report(upload_id: int):
    """The file with what the import does to each row and why: fix it and upload it again."""
    item = get_or_404(services.get_upload, upload_id)
    table = services.upload_table(item)
    plan = services.plan_upload(item, {}, current_app.config["TIMEZONE"], utcnow())
    return Response(
        services.report_csv(plan, table.headers, table.rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="report-{item.id}.csv"'},
    )


@bp.get("/history.csv")
def history_csv():
    """The contact log you may see, in the columns the history import reads."""
    rows = services.history_rows(current_user, current_app.config["TIMEZONE"])
    return csv_response("contact-history.csv", services.HISTORY_HEADER, iter(rows))

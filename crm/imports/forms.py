from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import BaseForm
from crm.imports.services import KINDS


class ImportForm(BaseForm):
    """The import page's form: what to import, from uploaded files or a URL, and for Open States
    which states."""

    kind = SelectField(
        "What to import",
        choices=list(KINDS.items()),
        default="congress",
        validators=[DataRequired()],
    )
    files = MultipleFileField(
        "Files",
        description="congress-legislators files (YAML, JSON or CSV) or a .zip of them; "
        "for Open States, a .zip of data/<state>/ folders.",
    )
    url = URLField(
        "Or a URL",
        validators=[Optional(), Length(max=500)],
        description="A .zip, or the folder the congress-legislators files are "
        "published in. Leave both empty to download the published "
        "congress-legislators files.",
    )
    bill = StringField(
        "Bill",
        validators=[Optional(), Length(max=40)],
        description="Bills only: a bill of Congress by congress, type and number, e.g. "
        "119 hr 1585 (fetched from GPO's bulk data). Or upload BILLSTATUS-*.xml files "
        "or a .zip of them.",
    )
    states = StringField(
        "States",
        validators=[Optional(), Length(max=200)],
        description="Open States only, e.g. TX FL. Empty: every state in the upload.",
    )
    dry_run = BooleanField("Preview only: report what would change and write nothing")

    def uploads(self) -> list[tuple[str, bytes]]:
        """The uploaded files as (name, bytes), empty inputs left out."""
        return [(f.filename, f.read()) for f in self.files.data or [] if f and f.filename]

"""A coalition's own spreadsheets on their way in: the uploaded file and its column mapping,
kept in the database so any web worker can read it between the steps; and mappings saved by name
for the next file of the same shape."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crm.clock import utcnow
from crm.extensions import db
from crm.models.base import UTCDateTime


class IntakeUpload(db.Model):
    """A spreadsheet uploaded for import, its column mapping and what the import did."""

    __tablename__ = "intake_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # people, history
    filename: Mapped[str] = mapped_column(sa.String(255))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mapping: Mapped[dict | None] = mapped_column(sa.JSON)  # {"0": "full_name", ...}
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(sa.JSON)


class SavedMapping(db.Model):
    """A named mapping of spreadsheet headers to fields, reused for later uploads."""

    __tablename__ = "intake_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    columns: Mapped[dict] = mapped_column(sa.JSON)  # header -> field
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

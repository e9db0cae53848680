"""Patients: the few identifiers a handoff needs, nothing more."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..common import utcnow
from ..extensions import db
from ..languages import DEFAULT_LANGUAGE


class Patient(db.Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(100), index=True)
    family_name: Mapped[str] = mapped_column(String(100), index=True)
    birth_date: Mapped[date] = mapped_column()
    preferred_language: Mapped[str] = mapped_column(String(8), default=DEFAULT_LANGUAGE)
    # Where the patient lies now (DESIGN 3.7): the shift-change board groups patients by unit.
    unit: Mapped[str | None] = mapped_column(String(64), index=True)
    bed: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# The search matches `lower(column) LIKE 'word%'` (service.search), which a plain index on the column
# cannot serve; text_pattern_ops lets PostgreSQL use these for a prefix LIKE under any collation.
for _column in (Patient.family_name, Patient.given_name, Patient.mrn):
    Index(f"ix_patients_{_column.key}_lower", func.lower(_column).label(f"{_column.key}_lower"),
          postgresql_ops={f"{_column.key}_lower": "text_pattern_ops"})

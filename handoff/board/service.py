"""The unit board (DESIGN 3.7): each patient's latest I-PASS, ordered sickest first, and the
receiver's take-over of a whole unit in one all-or-nothing step."""

import re
from dataclasses import dataclass

from sqlalchemy import and_, func, select

from ..audit import service as audit
from ..domain import Actor, Conflict, DomainError
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import FINAL, Acknowledgement, Handoff, Revision
from ..handoffs.service import HandoffView
from ..patients.models import Patient

IPASS = "ipass"
SEVERITY_ORDER = {"unstable": 0, "watcher": 1, "stable": 2}


def severity_of(data: dict | None) -> str | None:
    """The I-PASS illness severity of a revision's data, or None when missing or not one of the three."""
    value = (data or {}).get("illness_severity")
    return value if value in SEVERITY_ORDER else None


def latest_ids(patient_ids: list[int], checklist: str | None = None):
    """A subquery of each patient's latest handoff id (of `checklist`, or of any): the newest started."""
    stmt = select(func.max(Handoff.id)).where(Handoff.patient_id.in_(patient_ids))
    if checklist is not None:
        stmt = stmt.where(Handoff.checklist_key == checklist)
    return stmt.group_by(Handoff.patient_id)


@dataclass
class LatestHandoff:
    """What a list of patients shows of each one's latest handoff (any checklist)."""

    id: int
    patient_id: int
    checklist: str
    revision: int
    status: str
    illness_severity: str | None
    acknowledged: bool


def latest_handoffs(patient_ids: list[int]) -> dict[int, LatestHandoff]:
    """Each patient's latest handoff, read in one query whatever the number of patients: the
    severity is read from the current revision's data inside the database, and `acknowledged` is
    the board's: the current revision is signed and has a receipt."""
    if not patient_ids:
        return {}
    received = select(Acknowledgement.id).where(
        Acknowledgement.handoff_id == Handoff.id, Acknowledgement.revision_number == Handoff.current_revision
    ).exists()
    found = db.session.execute(
        select(Handoff.id, Handoff.patient_id, Handoff.checklist_key, Handoff.current_revision, Handoff.status,
               Revision.data["illness_severity"].as_string(), and_(Handoff.status == FINAL, received))
        .join(Revision, (Revision.handoff_id == Handoff.id) & (Revision.number == Handoff.current_revision))
        .where(Handoff.id.in_(latest_ids(patient_ids)))
    ).all()
    return {
        patient_id: LatestHandoff(
            id=handoff_id, patient_id=patient_id, checklist=key, revision=revision, status=status,
            illness_severity=severity_of({"illness_severity": severity}) if key == IPASS else None,
            acknowledged=bool(acknowledged))
        for handoff_id, patient_id, key, revision, status, severity, acknowledged in found
    }


@dataclass
class BoardRow:
    patient: Patient
    handoff: HandoffView | None
    illness_severity: str | None
    open_actions: int
    acknowledged: bool

    @property
    def receipts(self) -> list[Acknowledgement]:
        """Receipts of the current signed revision: the Synthesis by receiver (empty while awaited)."""
        if self.handoff is None or self.handoff.handoff.status != FINAL:
            return []
        current = self.handoff.handoff.current_revision
        return [ack for ack in self.handoff.acknowledgements if ack.revision_number == current]


def _bed_key(bed: str | None) -> tuple:
    """Beds in the order a nurse walks them: "2" before "10", "12A" before "12B", no bed last."""
    if not bed:
        return (1, ())
    return (0, tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                     for part in re.findall(r"\d+|\D+", bed)))


def rows(actor: Actor, unit: str, *, audit_action: str = "board.read") -> list[BoardRow]:
    patients = db.session.scalars(select(Patient).where(Patient.unit == unit.strip())).all()
    ipass_ids = db.session.scalars(latest_ids([p.id for p in patients], IPASS)).all() if patients else []
    views = {view.handoff.patient_id: view for view in handoffs.views_of(list(ipass_ids))}
    board = []
    for patient in patients:
        view = views.get(patient.id)
        data = (view.revision.data or {}) if view else {}
        severity = severity_of(data)
        actions = [a for a in data.get("action_list") or [] if isinstance(a, dict)]
        board.append(BoardRow(
            patient=patient, handoff=view, illness_severity=severity,
            open_actions=sum(1 for a in actions if a.get("done") is not True),
            acknowledged=False,
        ))
        board[-1].acknowledged = bool(board[-1].receipts)
    board.sort(key=lambda row: (SEVERITY_ORDER.get(row.illness_severity, 3), _bed_key(row.patient.bed),
                                row.patient.family_name, row.patient.id))
    audit.record(actor, audit_action, "unit", unit[:64], detail={"patients": [row.patient.id for row in board]})
    return board


def acknowledge_all(actor: Actor, items: list[dict]) -> list[Acknowledgement]:
    """Receipts for every item, or none: the first refusal names its item and nothing is kept."""
    receipts = []
    for index, item in enumerate(items):
        try:
            current = handoffs.find(item["handoff_id"]).current_revision
            if item["revision"] != current:
                raise Conflict(f"Revision {item['revision']} has been superseded by revision {current}; "
                               "read the current one first.",
                               [{"path": "revision", "message": f"Superseded by revision {current}."}])
            receipts.append(handoffs.acknowledge(actor, item["handoff_id"], item["revision"], item["synthesis"]))
        except DomainError as refusal:
            problems = [{**p, "path": f"items.{index}.{p['path']}"} for p in refusal.problems] or [
                {"path": f"items.{index}", "message": refusal.message}]
            raise type(refusal)(f"Item {index} (handoff {item['handoff_id']}): {refusal.message} "
                                "Nothing was acknowledged.", problems) from None
    return receipts

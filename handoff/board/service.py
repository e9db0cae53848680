"""The unit board (DESIGN 3.7): each patient's latest I-PASS, ordered sickest first, and the
receiver's take-over of a whole unit in one all-or-nothing step."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from ..audit import service as audit
from ..domain import Actor, Conflict, DomainError
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import FINAL, Acknowledgement, Handoff
from ..handoffs.service import HandoffView
from ..patients.models import Patient

IPASS = "ipass"
SEVERITY_ORDER = {"unstable": 0, "watcher": 1, "stable": 2}


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
    latest_ids = db.session.execute(
        select(Handoff.patient_id, func.max(Handoff.id))
        .where(Handoff.patient_id.in_([p.id for p in patients]), Handoff.checklist_key == IPASS)
        .group_by(Handoff.patient_id)
    ).all() if patients else []
    latest = {patient_id: handoff_id for patient_id, handoff_id in latest_ids}
    views = {view.handoff.patient_id: view for view in handoffs.views_of(list(latest.values()))}
    board = []
    for patient in patients:
        view = views.get(patient.id)
        data = (view.revision.data or {}) if view else {}
        severity = data.get("illness_severity") if data.get("illness_severity") in SEVERITY_ORDER else None
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

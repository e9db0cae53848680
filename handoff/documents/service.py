"""Documents of a handoff revision: the patient summary (HTML, PDF) and the clinician PDF.

PDFs are rendered once and kept in the database (shared by every app host), keyed by a
hash of everything the page shows plus kind, language and renderer version.
"""

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import service as audit
from ..checklists import service as checklists
from ..common import canonical_json, iso, sha256_hex
from ..errors import abort
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.models import Acknowledgement, Revision, Signature
from ..patients.models import LANGUAGES
from . import plain_language, renderer
from .clinician import build_clinician_document
from .models import RenderedDocument
from .summary import build_patient_summary
from .text import visible_text

PATIENT_SUMMARY = "patient-summary"
CLINICIAN = "clinician"
READING_GRADE_MAX = 8


def static_url(path: str) -> str:
    """Same URL in the browser and in WeasyPrint (whose fetcher serves only static/)."""
    return f"/static/{path}"


def _revision(handoff, number: int | None) -> Revision:
    return handoffs.revision_or_404(handoff, number or handoff.current_revision)


def _language(patient, lang: str | None) -> str:
    lang = lang or patient.preferred_language
    return lang if lang in LANGUAGES else "en"


def summary_html(handoff, revision: Revision, lang: str, *, large_print: bool = False) -> str:
    if handoff.checklist_key != "discharge":
        abort(404, "Only discharge handoffs have a patient summary; I-PASS handoffs stay between clinicians.")
    with force_locale(lang):
        summary = build_patient_summary(handoff.patient, revision.data or {}, lang)
        return render_template("documents/patient_summary.html", summary=summary, large_print=large_print,
                               static=static_url)


def clinician_html(handoff, revision: Revision) -> str:
    checklist = checklists.as_document(checklists.get_or_404(handoff.checklist_key, handoff.checklist_version))
    signature = db.session.scalar(select(Signature).where(Signature.revision_id == revision.id))
    acknowledgements = db.session.scalars(
        select(Acknowledgement).where(Acknowledgement.handoff_id == handoff.id).order_by(Acknowledgement.id)
    ).unique().all()
    previous_final = db.session.scalar(
        select(Revision).join(Signature, Signature.revision_id == Revision.id)
        .where(Revision.handoff_id == handoff.id, Revision.number < revision.number)
        .order_by(Revision.number.desc()).limit(1)
    )
    doc = build_clinician_document(patient=handoff.patient, checklist=checklist, revision=revision,
                                   signature=signature, acknowledgements=acknowledgements,
                                   previous_final=previous_final)
    return render_template("documents/clinician.html", doc=doc, static=static_url)


def patient_summary_page(handoff_id: int, revision_number: int | None, lang: str | None,
                         large_print: bool = False, *, audit_action: str = "document.view") -> str:
    handoff = handoffs.get_or_404(handoff_id)
    revision = _revision(handoff, revision_number)
    lang = _language(handoff.patient, lang)
    html = summary_html(handoff, revision, lang, large_print=large_print)
    audit.record(audit_action, "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"kind": f"{PATIENT_SUMMARY}.html", "revision": revision.number, "lang": lang})
    return html


def pdf(handoff_id: int, kind: str, revision_number: int | None, lang: str | None, large_print: bool = False,
        *, audit_action: str = "document.view") -> tuple[bytes, bool]:
    """The PDF and whether it came from the cache."""
    handoff = handoffs.get_or_404(handoff_id)
    revision = _revision(handoff, revision_number)
    if kind == CLINICIAN:
        lang = "en"
        html = clinician_html(handoff, revision)
    else:
        lang = _language(handoff.patient, lang)
        html = summary_html(handoff, revision, lang, large_print=large_print)
    cache_key = sha256_hex(canonical_json({"html": sha256_hex(html), "glossary": plain_language.GLOSSARY_VERSION}))
    audit.record(audit_action, "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"kind": f"{kind}.pdf", "revision": revision.number, "lang": lang})
    cached = db.session.scalar(select(RenderedDocument.body).where(
        RenderedDocument.cache_key == cache_key, RenderedDocument.kind == kind, RenderedDocument.lang == lang,
        RenderedDocument.renderer_version == renderer.RENDERER_VERSION))
    if cached is not None:
        return cached, True
    body = renderer.render_pdf(html, static_root=Path(current_app.static_folder))
    try:
        with db.session.begin_nested():
            db.session.add(RenderedDocument(
                handoff_id=handoff.id, revision_number=revision.number, content_hash=revision.content_hash,
                cache_key=cache_key, kind=kind, lang=lang, renderer_version=renderer.RENDERER_VERSION,
                media_type="application/pdf", body=body))
    except IntegrityError:
        pass  # another host rendered the same document at the same moment; either copy is right
    return body, False


def readability(handoff_id: int, lang: str | None) -> dict:
    handoff = handoffs.get_or_404(handoff_id)
    revision = _revision(handoff, None)
    lang = _language(handoff.patient, lang)
    report = readability_report(handoff, revision, lang)
    audit.record("document.readability", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": revision.number, "lang": lang})
    return report


def readability_report(handoff, revision: Revision, lang: str) -> dict:
    text = visible_text(summary_html(handoff, revision, lang))
    return {
        "grade_level": round(plain_language.readability_grade(text, lang), 1),
        "target": READING_GRADE_MAX,
        "flagged_terms": plain_language.hard_terms(text, lang),
        "lang": lang,
        "revision": revision.number,
    }


def finalize_warnings(handoff) -> list[dict]:
    """Advice at signing: the patient summary reads above grade 8, or hard terms remain."""
    if handoff.checklist_key != "discharge":
        return []
    lang = _language(handoff.patient, None)
    report = readability_report(handoff, handoffs.current_revision(handoff), lang)
    warnings = []
    if report["grade_level"] > READING_GRADE_MAX:
        warnings.append({"code": "reading_grade", "grade_level": report["grade_level"], "target": READING_GRADE_MAX,
                         "message": f"The patient summary reads at grade {report['grade_level']}; aim for "
                                    f"{READING_GRADE_MAX} or lower. Use shorter sentences and plain words."})
    for term in report["flagged_terms"]:
        warnings.append({"code": "hard_term", "term": term["term"], "suggestion": term["suggestion"],
                         "message": f"Patients may not understand “{term['term']}”. Try: {term['suggestion']}."})
    return warnings


def when(value) -> str:
    """Timestamps on clinical documents: UTC, to the minute, unambiguous."""
    text = iso(value)
    return f"{text[:10]} {text[11:16]} UTC" if text else ""


def short(value, limit: int = 160) -> str:
    if value is None:
        return "(empty)"
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"

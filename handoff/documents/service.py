"""Documents of a handoff revision: the patient summary (HTML, PDF) and the clinician PDF.

PDFs are rendered once and kept in the database (shared by every app host), keyed by a
hash of everything the page shows plus kind, language and renderer version.
"""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import service as audit
from ..checklists import service as checklists
from ..common import canonical_json, iso, sha256_hex
from ..domain import Actor, NotFound
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.service import DocumentSource, HandoffView
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
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


def _language(patient, lang: str | None) -> str:
    lang = lang or patient.preferred_language
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def summary_html(source: DocumentSource, lang: str, *, large_print: bool = False) -> str:
    if source.handoff.checklist_key != "discharge":
        raise NotFound("Only discharge handoffs have a patient summary; I-PASS handoffs stay between clinicians.")
    with force_locale(lang):
        summary = build_patient_summary(source.patient, source.revision.data or {}, lang)
        return render_template("documents/patient_summary.html", summary=summary, large_print=large_print,
                               static=static_url)


def clinician_html(source: DocumentSource) -> str:
    handoff = source.handoff
    checklist = checklists.as_document(checklists.get(handoff.checklist_key, handoff.checklist_version))
    doc = build_clinician_document(patient=source.patient, checklist=checklist, revision=source.revision,
                                   signature=source.signature, acknowledgements=source.acknowledgements,
                                   previous_final=source.previous_final)
    return render_template("documents/clinician.html", doc=doc, static=static_url)


def _audit_view(actor: Actor, action: str, source: DocumentSource, kind: str, lang: str) -> None:
    handoff = source.handoff
    audit.record(actor, action, "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"kind": kind, "revision": source.revision.number, "lang": lang})


def patient_summary_page(actor: Actor, handoff_id: int, revision_number: int | None, lang: str | None,
                         large_print: bool = False, *, audit_action: str = "document.view") -> str:
    source = handoffs.document_source(handoff_id, revision_number)
    lang = _language(source.patient, lang)
    html = summary_html(source, lang, large_print=large_print)
    _audit_view(actor, audit_action, source, f"{PATIENT_SUMMARY}.html", lang)
    return html


def pdf(actor: Actor, handoff_id: int, kind: str, revision_number: int | None, lang: str | None,
        large_print: bool = False, *, audit_action: str = "document.view") -> tuple[bytes, bool]:
    """The PDF and whether it came from the cache."""
    source = handoffs.document_source(handoff_id, revision_number)
    handoff, revision = source.handoff, source.revision
    if kind == CLINICIAN:
        lang = DEFAULT_LANGUAGE
        html = clinician_html(source)
    else:
        lang = _language(source.patient, lang)
        html = summary_html(source, lang, large_print=large_print)
    cache_key = sha256_hex(canonical_json({"html": sha256_hex(html), "glossary": plain_language.GLOSSARY_VERSION}))
    _audit_view(actor, audit_action, source, f"{kind}.pdf", lang)
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


@dataclass
class ReadabilityReport:
    grade_level: float
    target: int
    flagged_terms: list[dict]
    lang: str
    revision: int


def readability(actor: Actor, handoff_id: int, lang: str | None) -> ReadabilityReport:
    source = handoffs.document_source(handoff_id)
    lang = _language(source.patient, lang)
    report = readability_report(source, lang)
    handoff = source.handoff
    audit.record(actor, "document.readability", "handoff", handoff.id, patient_id=handoff.patient_id,
                 handoff_id=handoff.id, detail={"revision": source.revision.number, "lang": lang})
    return report


def readability_report(source: DocumentSource, lang: str) -> ReadabilityReport:
    text = visible_text(summary_html(source, lang))
    return ReadabilityReport(grade_level=round(plain_language.readability_grade(text, lang), 1),
                             target=READING_GRADE_MAX, flagged_terms=plain_language.hard_terms(text, lang),
                             lang=lang, revision=source.revision.number)


def finalize_warnings(view: HandoffView) -> list[dict]:
    """Advice at signing: the patient summary reads above grade 8, or hard terms remain."""
    if view.handoff.checklist_key != "discharge":
        return []
    source = handoffs.document_source(view.handoff.id, view.revision.number)
    report = readability_report(source, _language(source.patient, None))
    warnings = []
    if report.grade_level > READING_GRADE_MAX:
        warnings.append({"code": "reading_grade", "grade_level": report.grade_level, "target": READING_GRADE_MAX,
                         "message": f"The patient summary reads at grade {report.grade_level}; aim for "
                                    f"{READING_GRADE_MAX} or lower. Use shorter sentences and plain words."})
    for term in report.flagged_terms:
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

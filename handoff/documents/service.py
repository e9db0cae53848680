"""Documents of a handoff revision: the patient summary (HTML, PDF), the clinician PDF, readability.

This module puts the parts together: what a revision shows comes from the handoffs package
(`handoffs.service.document_source`), the layout data from `summary`/`clinician`, PDFs
from `renderer` through the shared `cache`, plain words from `glossary`, the grade from
`readability`. Every view of a document is audited here.
"""

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from ..audit import service as audit
from ..checklists import service as checklists
from ..domain import Actor, NotFound
from ..handoffs import service as handoffs
from ..handoffs.service import DocumentSource, HandoffView
from ..languages import DEFAULT_LANGUAGE, LANGUAGES
from . import cache, renderer
from .clinician import build_clinician_document
from .filters import static_url
from .glossary import hard_terms
from .readability import readability_grade
from .summary import build_patient_summary
from .text import visible_text

PATIENT_SUMMARY = "patient-summary"
CLINICIAN = "clinician"
READING_GRADE_MAX = 8


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
    revision = source.revision
    if kind == CLINICIAN:
        lang = DEFAULT_LANGUAGE
        html = clinician_html(source)
    else:
        lang = _language(source.patient, lang)
        html = summary_html(source, lang, large_print=large_print)
    cache_key = cache.key_of(html)
    _audit_view(actor, audit_action, source, f"{kind}.pdf", lang)
    cached = cache.lookup(cache_key, kind, lang)
    if cached is not None:
        return cached, True
    body = renderer.render_pdf(html, static_root=Path(current_app.static_folder))
    cache.store(cache_key, kind, lang, revision, body)
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
    return ReadabilityReport(grade_level=round(readability_grade(text, lang), 1),
                             target=READING_GRADE_MAX, flagged_terms=hard_terms(text, lang),
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

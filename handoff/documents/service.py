"""Documents of a handoff revision: the patient summary (HTML, PDF), the clinician PDF, readability.

This module puts the parts together: what a revision shows comes from the handoffs package
(`handoffs.service.document_source`), the layout data from `summary`/`clinician`, PDFs from
`rendering` (the renderer in a bounded pool, through the shared `cache`), plain words from
`glossary`, the grade from `readability`. Every view of a document is audited here.

A PDF is never rendered inside the request's transaction: `pdf` builds the HTML, records the read and
commits, and only then asks `rendering` for the PDF (the shared cache, or the one render of it in the
bounded pool or the render queue). Signing starts the renders of the new revision (`prerender_signed`).
"""

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale

from ..audit import service as audit
from ..checklists import service as checklists
from ..common import canonical_json, sha256_hex, utcnow
from ..domain import Actor, NotFound
from ..extensions import db
from ..handoffs import service as handoffs
from ..handoffs.service import DocumentSource, HandoffView
from ..languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from ..translation_memory import service as translation_memory
from . import cache, rendering
from .clinician import build_clinician_document
from .filters import static_url
from .glossary import hard_terms, to_plain
from .localize import Localizer, translation_sources
from .readability import assess
from .summary import FIT_LEVELS, build_patient_summary, page_budget, patient_texts
from .text import split_visible_text

PATIENT_SUMMARY = "patient-summary"
CLINICIAN = "clinician"
READING_GRADE_MAX = 8


def _language(patient, lang: str | None) -> str:
    lang = lang or patient.preferred_language
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def localizer_for(source: DocumentSource, lang: str, through: int | None = None) -> Localizer:
    """A signed revision reads the translation memory as it stood at signing (DESIGN 3.6); `through`, when given,
    is the newest entry to read (memory_state)."""
    data = source.revision.data or {}
    if through is None and source.signature:
        through = memory_state(source)
    translations = translation_memory.lookup(lang, translation_sources(patient_texts(data)), through)
    return Localizer(lang, translations, translation_memory.normalize)


def memory_state(source: DocumentSource) -> int:
    """The translation memory a revision's summary reads, as the newest entry it may use: pinned at signing, else
    the newest now. Entries are only ever added (a later one supersedes), so this id is the memory's whole state."""
    if source.signature:
        return source.signature.translations_through or 0  # None: signed before the memory existed
    return translation_memory.newest_id() or 0


def summary_html(source: DocumentSource, lang: str, *, large_print: bool = False,
                 localizer: Localizer | None = None, fit: int = 0, updated: bool = False) -> str:
    """The summary page; `fit` > 0 is a tighter print layout (summary.FIT_LEVELS), for the PDF only.

    `updated`: shown through a take-home link whose handoff was amended and signed again since the link was made
    (shares.service.shown); page and PDF then say, in the patient's language, that the plan changed. The notice is
    part of the HTML, so the PDF's cache key (cache.key_of) differs from the same revision's without it."""
    if source.handoff.checklist_key != "discharge":
        raise NotFound("Only discharge handoffs have a patient summary; I-PASS handoffs stay between clinicians.")
    localizer = localizer or localizer_for(source, lang)
    with force_locale(lang):
        summary = build_patient_summary(source.patient, source.revision.data or {}, localizer)
        return render_template("documents/patient_summary.html", summary=summary, large_print=large_print,
                               fit=fit, updated=updated, static=static_url)


def _summary_layouts(source: DocumentSource, lang: str, large_print: bool, html: str,
                     updated: bool = False) -> tuple[list[str], int | None]:
    """The layouts to try, most generous first, and the page budget they must fit (None: no budget).

    A summary that would run past its budget, or leave a page but the last mostly empty, is laid out again, tighter
    each time (summary.FIT_LEVELS); the render keeps the first that fits its pages and fills them, else the first
    that fits, else the tightest (renderer.render_pdf_within). The PDF depends only on `html` (the same revision,
    language and print size), so it is cached under its key. The HTML is built here, with the database; the
    render reads nothing but these strings.
    """
    budget = page_budget(source.revision.data or {}, large_print)
    if budget is None:
        return [html], None
    localizer = localizer_for(source, lang)
    tighter = [summary_html(source, lang, large_print=large_print, localizer=localizer, fit=level, updated=updated)
               for level in FIT_LEVELS[1:]]
    return [html, *tighter], budget


def clinician_html(source: DocumentSource) -> str:
    handoff = source.handoff
    checklist = checklists.as_document(checklists.get(handoff.checklist_key, handoff.checklist_version))
    doc = build_clinician_document(patient=source.patient, checklist=checklist, revision=source.revision,
                                   signature=source.signature, acknowledgements=source.acknowledgements,
                                   previous_final=source.previous_final)
    return render_template("documents/clinician.html", doc=doc, patient_summary=_summary_language(source),
                           static=static_url)


def _summary_language(source: DocumentSource) -> dict | None:
    """For the receiving clinician: which language the patient's summary is in, and what it left untranslated."""
    if source.handoff.checklist_key != "discharge":
        return None
    lang = _language(source.patient, None)
    return {"language": LANGUAGE_NAMES[lang], "untranslated": _untranslated(source, lang)}


_UNTRANSLATED: OrderedDict[str, list[dict]] = OrderedDict()
_UNTRANSLATED_LOCK = threading.Lock()
_UNTRANSLATED_KEPT = 256


def _untranslated(source: DocumentSource, lang: str) -> list[dict]:
    """What the patient's summary leaves untranslated, composed once per process for the same inputs.

    Composing the whole summary to learn it is most of the work of building the clinician PDF's HTML, and the
    HTML is built on every request for that PDF, a cache hit included (cache.key_of). What the summary leaves
    untranslated depends only on the revision's data (its content hash), the language and the translation
    memory it reads (memory_state); the code is this process's own. So the answer is kept here, a few hundred
    at most, and a hit reads nothing of the memory."""
    through = memory_state(source)
    key = sha256_hex(canonical_json({"content": source.revision.content_hash, "lang": lang, "through": through}))
    with _UNTRANSLATED_LOCK:
        if key in _UNTRANSLATED:
            _UNTRANSLATED.move_to_end(key)
            return [dict(item) for item in _UNTRANSLATED[key]]
    localizer = localizer_for(source, lang, through)
    with force_locale(lang):
        build_patient_summary(source.patient, source.revision.data or {}, localizer)
    found = _unique(localizer.untranslated)
    with _UNTRANSLATED_LOCK:
        _UNTRANSLATED[key] = [dict(item) for item in found]
        while len(_UNTRANSLATED) > _UNTRANSLATED_KEPT:
            _UNTRANSLATED.popitem(last=False)
    return found


def board_sheet_pdf(actor: Actor, unit: str) -> bytes:
    """The unit's printable I-PASS sheet, in board order. Rendered fresh each time: it shows the
    unit as it stands, and which handoffs it holds changes with every save and receipt."""
    from ..board import service as board

    rows = board.rows(actor, unit, audit_action="board.sheet")
    ipass = checklists.as_document(checklists.get("ipass"))
    html = render_template("documents/board.html", unit=unit, rows=rows, printed_at=utcnow(),
                           code_status=_choice_labels(ipass, "code_status"), static=static_url)
    rendering.check_budget(html)
    db.session.commit()  # the read is recorded; nothing is held while the sheet renders
    return rendering.render_uncached(rendering.new_render([html], None))


def _choice_labels(definition: dict, key: str) -> dict:
    for section in definition.get("sections", []):
        for field in section.get("fields", []):
            if field.get("key") == key:
                return {c["value"]: c.get("label") or c["value"] for c in field.get("choices") or []}
    return {}


def _audit_view(actor: Actor, action: str, source: DocumentSource, kind: str, lang: str) -> None:
    handoff = source.handoff
    audit.record(actor, action, "handoff", handoff.id, patient_id=handoff.patient_id, handoff_id=handoff.id,
                 detail={"kind": kind, "revision": source.revision.number, "lang": lang})


def patient_summary_page(actor: Actor, handoff_id: int, revision_number: int | None, lang: str | None,
                         large_print: bool = False, *, audit_action: str = "document.view",
                         updated: bool = False) -> str:
    source = handoffs.document_source(handoff_id, revision_number)
    lang = _language(source.patient, lang)
    html = summary_html(source, lang, large_print=large_print, updated=updated)
    _audit_view(actor, audit_action, source, f"{PATIENT_SUMMARY}.html", lang)
    return html


def pdf(actor: Actor, handoff_id: int, kind: str, revision_number: int | None, lang: str | None,
        large_print: bool = False, *, audit_action: str = "document.view", updated: bool = False) -> tuple[bytes, bool]:
    """The PDF and whether it was already made (from the cache, or rendered by another request meanwhile).

    `updated` (patient summary only): the notice that the plan changed since the take-home link was made.

    Commits the caller's transaction (with the audit event of this read) before any render starts."""
    source = handoffs.document_source(handoff_id, revision_number)
    lang = DEFAULT_LANGUAGE if kind == CLINICIAN else _language(source.patient, lang)
    html = _document_html(source, kind, lang, large_print, updated)
    rendering.check_budget(html)
    _audit_view(actor, audit_action, source, f"{kind}.pdf", lang)
    cache_key = cache.key_of(html)
    cached = cache.lookup(cache_key, kind, lang)
    if cached is not None:
        return cached, True
    job = _job(source, kind, lang, large_print, html, cache_key, updated)
    db.session.commit()
    return rendering.ensure(job)


def _document_html(source: DocumentSource, kind: str, lang: str, large_print: bool, updated: bool = False) -> str:
    if kind == CLINICIAN:
        return clinician_html(source)
    return summary_html(source, lang, large_print=large_print, updated=updated)


def _job(source: DocumentSource, kind: str, lang: str, large_print: bool, html: str,
         cache_key: str, updated: bool = False) -> rendering.DocumentJob:
    if kind == CLINICIAN:
        layouts, budget = [html], None
    else:
        layouts, budget = _summary_layouts(source, lang, large_print, html, updated)
    revision = source.revision
    return rendering.DocumentJob(render=rendering.new_render(layouts, budget), cache_key=cache_key, kind=kind,
                                 lang=lang, handoff_id=revision.handoff_id, revision_number=revision.number,
                                 content_hash=revision.content_hash)


def prerender_signed(handoff_id: int, revision_number: int) -> None:
    """At signing: once it is committed, start rendering what will be asked for first, the patient summary in
    the patient's language (discharge handoffs) and the clinician PDF."""
    rendering.prerender_after_commit(lambda: _signed_jobs(handoff_id, revision_number))


def _signed_jobs(handoff_id: int, revision_number: int) -> list[rendering.DocumentJob]:
    source = handoffs.document_source(handoff_id, revision_number)
    kinds = [(CLINICIAN, DEFAULT_LANGUAGE)]
    if source.handoff.checklist_key == "discharge":
        kinds.insert(0, (PATIENT_SUMMARY, _language(source.patient, None)))
    jobs = []
    for kind, lang in kinds:
        html = _document_html(source, kind, lang, False)
        if len(html.encode("utf-8")) <= current_app.config["HANDOFF_RENDER_MAX_HTML_BYTES"]:
            jobs.append(_job(source, kind, lang, False, html, cache.key_of(html)))
    return jobs


@dataclass
class ReadabilityReport:
    grade_level: float  # the strictest of `formulas`: text left in another language counted as hard
    strictest_grade: float  # the same figure, under its second-release name
    target: int
    formulas: list[dict]
    flagged_terms: list[dict]
    untranslated: list[dict]
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
    """The summary's reading grade, its hard terms, and the free text left in another language."""
    localizer = localizer_for(source, lang)
    html = summary_html(source, lang, localizer=localizer)
    text, foreign = split_visible_text(html, lang)
    names, medicines = _names(source, lang)
    assessment = assess(text, lang, foreign, names=names, medicines=medicines)
    return ReadabilityReport(grade_level=assessment.grade_level, strictest_grade=assessment.grade_level,
                             target=READING_GRADE_MAX, formulas=assessment.formulas,
                             flagged_terms=hard_terms(text, lang), untranslated=_unique(localizer.untranslated),
                             lang=lang, revision=source.revision.number)


_CAPITALISED = re.compile(r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*(?:\s+(?:(?:de|del|la|las|los|y|of|and|the)\s+)*"
                          r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*)*")


def _names(source: DocumentSource, lang: str) -> tuple[list[str], list[str]]:
    """The proper names the summary shows, as written (people, clinics, places, contact names: what it prints
    through `Localizer.name`, plus the patient's name and the names inside an appointment's "with"), and the
    medicine names (each medicine and allergy substance, and each part of one: generic, brand in brackets), which
    `readability.assess` leaves out of the formulas (see its docstring for why), with each capitalised word of a
    medicine name on its own (a brand named alone)."""
    data = source.revision.data or {}
    names = [source.patient.given_name, source.patient.family_name]
    receiving = (data.get("encounter") or {}).get("receiving_clinician") or {}
    names += [receiving.get("name"), receiving.get("organization")]
    names += [row.get("where") for row in _dicts(data, "follow_up")]
    names += [match.group() for row in _dicts(data, "follow_up")
              for match in _CAPITALISED.finditer(_str(row.get("with")))]
    names += [row.get("owner") for row in _dicts(data, "pending_results")]
    names += [row.get("name") for row in _dicts(data, "contacts")]
    medicines = [row.get("name") for row in _dicts(data, "medications")]
    medicines += [row.get("substance") for row in _dicts(data, "allergies")]
    medicines += [part for value in medicines for part in re.split(r"[/(),]", _str(value))]
    # A brand or generic name stands alone elsewhere ("Replaced by Trelegy" for "Trelegy Ellipta", "Replaces
    # Spiriva" for "Tiotropium (Spiriva HandiHaler)"): each capitalised word of a name is a name wherever it stands,
    # as the name itself is. Lower-case words of a name ("patch", "succinate") are left out only as part of it.
    medicines += [word for value in medicines for word in re.findall(r"[^\W\d_]+", _str(value))
                  if word[0].isupper() and len(word) > 1]
    names += [to_plain(value, lang) for value in names if isinstance(value, str)]  # as the summary prints them
    medicines += [to_plain(value, lang) for value in medicines if isinstance(value, str)]
    return ([n for n in names if isinstance(n, str) and n.strip()],
            [m for m in medicines if isinstance(m, str) and m.strip()])


def _dicts(data: dict, key: str) -> list[dict]:
    rows = data.get(key)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _unique(items: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for item in items:
        if (item["path"], item["text"]) not in seen:
            seen.add((item["path"], item["text"]))
            unique.append(item)
    return unique


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
    language = LANGUAGE_NAMES[report.lang]
    for item in report.untranslated:
        warnings.append({"code": "untranslated", "path": item["path"], "text": item["text"],
                         "message": f"Not in {language}, the patient's language: “{item['text']}”. It is shown "
                                    "as typed and marked as not translated. Add a translation so the patient can "
                                    "read it."})
    return warnings

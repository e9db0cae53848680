"""The Spanish catalog is complete and its compiled .mo matches the .po."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "handoff" / "translations" / "es" / "LC_MESSAGES"


def test_every_message_has_a_spanish_translation():
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="es")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    method_map = [("handoff/**.py", "python"), ("templates/**.html", "jinja2")]
    in_code = {message[2] if isinstance(message[2], str) else message[2][0]
               for message in extract_from_dir(str(ROOT), method_map, keywords={"_": None, "gettext": None})}
    assert in_code - {m.id for m in catalog} == set(), "run pybabel extract/update and translate"


def test_compiled_catalog_matches_the_source():
    with (CATALOG / "messages.po").open("rb") as f:
        source = {m.id: m.string for m in read_po(f, locale="es") if m.id}
    with (CATALOG / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == source, "run: .venv/bin/pybabel compile -d handoff/translations"

"""Template helpers the documents share: timestamps, short values, and static URLs.

`static_url` gives the same URL in the browser and in WeasyPrint, whose fetcher serves
only files under static/.
"""

from ..common import canonical_json, iso


def static_url(path: str) -> str:
    return f"/static/{path}"


def when(value) -> str:
    """Timestamps on clinical documents: UTC, to the minute, unambiguous."""
    text = iso(value)
    return f"{text[:10]} {text[11:16]} UTC" if text else ""


def short(value, limit: int = 160) -> str:
    if value is None:
        return "(empty)"
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def init_app(app) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(short, "short")

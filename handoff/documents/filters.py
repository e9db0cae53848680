"""Template helpers the documents share: timestamps, short values, and static URLs.

`static_url` gives the same URL in the browser and in WeasyPrint, whose fetcher serves
only files under static/.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from ..common import as_utc, canonical_json, iso


def static_url(path: str) -> str:
    return f"/static/{path}"


def when(value) -> str:
    """Timestamps on clinical documents: UTC, to the minute, unambiguous."""
    text = iso(value)
    return f"{text[:10]} {text[11:16]} UTC" if text else ""


def hospital_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("HANDOFF_TIME_ZONE") or "UTC")


def local_time(value) -> str:
    """A time for people, in the hospital's zone, zone named: "Mon 23 Nov 2026, 22:00 CST".

    Stored moments (signatures, receipts) are UTC and are converted. A typed date-time such as
    an action's due time ("2026-11-23T22:00") was typed in the hospital's time and is not.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return ""
    zone = hospital_zone()
    moment = value.replace(tzinfo=zone) if value.tzinfo is None else as_utc(value).astimezone(zone)
    return f"{moment:%a %d %b %Y, %H:%M} {moment.tzname()}"


def short(value, limit: int = 160) -> str:
    if value is None:
        return "(empty)"
    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def init_app(app) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(short, "short")
    app.add_template_filter(local_time, "local_time")

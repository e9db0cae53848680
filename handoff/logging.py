"""Logs without patient data: every log record this process makes is scrubbed as it is made.

Why at the record, not at a handler: the records that carry patient data come from many loggers
(the app's, gunicorn's error and access logs, SQLAlchemy, procrastinate's render worker) and go to
handlers set up by whoever runs the process (gunicorn, `flask render worker`, pytest, an operator's
logging config). A record factory (`logging.setLogRecordFactory`) sees every record before any
handler or formatter does, whoever configured them, so no handler can print an unscrubbed one.

What is taken out:
- SQL parameters: the engine is made with `hide_parameters=True` (`init_app`), and any
  `[parameters: ...]` that reaches a message anyway is cut.
- Database error details: PostgreSQL's `DETAIL` ("Key (mrn)=(...) already exists", "Failing row
  contains (...)") and `CONTEXT` lines, and quoted values in the error's message. The type, the
  SQLSTATE, the constraint, table and column names and the SQL text (with placeholders) stay.
- Exception messages: quoted values ('...' and "...") are replaced by `'…'`. Python's own messages
  quote the value they complain about (`invalid literal for int(): 'X'`, `KeyError: 'X'`), so this
  takes the value and keeps the kind of error. A message that puts a value in unquoted is not
  caught: code must not write patient data into an exception message.
- Tracebacks are formatted here (`format_exception`) with those messages, and the record carries
  only that text (`exc_text`), not the exception, so no formatter can print the original.
- Share-link tokens: `/p/TOKEN` becomes `/p/[token]` in every message (the access log's request
  line included), and query values other than a few known harmless ones (`SAFE_QUERY`) become
  `[hidden]` (`?q=` is a name or an MRN).
- The render queue's job arguments (the document's HTML) in procrastinate's messages.
"""

import logging
import re
import sqlite3
import traceback

from flask import Flask

HIDDEN = "[hidden]"
TOKEN = "[token]"
QUOTED = "'…'"
# The pages under /p/ that are not tokens.
SHARE_PAGES = frozenset({"summary", "summary.pdf", "open"})
# Query parameters whose values say nothing about a patient: ids, languages, filters of codes.
SAFE_QUERY = frozenset({"lang", "revision", "version", "from", "to", "status", "checklist", "patient_id",
                        "handoff_id", "page", "per_page", "since", "unit", "awaiting_acknowledgement"})

# A token is URL-safe base64; a "%" (a format placeholder, or an escaped character) is never in one.
_SHARE_PATH = re.compile(r"(/p/+)([A-Za-z0-9_.~-]+)")
_QUERY_VALUE = re.compile(r"([?&])([^=&\s#\"']+)=([^&\s#\"']*)")
_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_DETAIL_LINE = re.compile(r"^(\s*(?:DETAIL|CONTEXT|LINE \d+)):[^\n]*", re.MULTILINE)
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# procrastinate's call strings: `task.name[job id](argument=value, ...)`.
_CALL_STRING = re.compile(r"([\w.]+\[\d+\])\(.*\)", re.DOTALL)
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _share_path(match: re.Match) -> str:
    return match[0] if match[2] in SHARE_PAGES else f"{match[1]}{TOKEN}"


def _query_value(match: re.Match) -> str:
    return match[0] if match[2] in SAFE_QUERY or not match[3] else f"{match[1]}{match[2]}={HIDDEN}"


def _template_query_value(match: re.Match) -> str:
    return match[0] if "%" in match[3] else _query_value(match)


def scrub_text(text: str, template: bool = False) -> str:
    """`text` without share tokens, identifying query values, SQL parameters or database details.

    A `template` (a log message with arguments still to be put in) keeps its `%` placeholders."""
    text = _SHARE_PATH.sub(_share_path, text)
    text = _QUERY_VALUE.sub(_template_query_value if template else _query_value, text)
    text = _PARAMETERS.sub("[parameters hidden]", text)
    return _DETAIL_LINE.sub(rf"\1: {HIDDEN}", text)


def _unquoted(text: str) -> str:
    return _QUOTED.sub(QUOTED, text)


def _database_message(error: BaseException) -> str | None:
    """A driver error's message without values, or None when `error` is not a database driver's error."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        psycopg = None
    if psycopg is not None and isinstance(error, psycopg.Error):
        first = str(error).split("\n", 1)[0]
        diag = error.diag
        named = [f"{label} {value}" for label, value in (
            ("sqlstate", error.sqlstate), ("constraint", diag.constraint_name), ("table", diag.table_name),
            ("column", diag.column_name)) if value]
        return _unquoted(first) + (f" ({', '.join(named)})" if named else "")
    if isinstance(error, sqlite3.Error):
        return _unquoted(str(error).split("\n", 1)[0])
    return None


def exception_text(error: BaseException) -> str:
    """What a log may say of an exception: its message with the values taken out."""
    from sqlalchemy.exc import StatementError

    if isinstance(error, StatementError):
        original = error.orig
        inner = exception_text(original) if isinstance(original, BaseException) else ""
        name = f"{type(original).__module__}.{type(original).__qualname__}" if original is not None else ""
        statement = f"\n[SQL: {_unquoted(error.statement)}]" if error.statement else ""
        return scrub_text(f"({name}) {inner}{statement}")
    database = _database_message(error)
    if database is not None:
        return scrub_text(database)
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break logging
        text = "<message unavailable>"
    return scrub_text(_unquoted(text))


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def format_exception(error: BaseException) -> str:
    """A traceback like Python's (chained causes and contexts included) with every message scrubbed.

    The stack shows code, not data; only the messages can hold values, so only they are changed."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current, link = error, None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts = []
    for exc, link in reversed(chain):
        if exc.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(exc.__traceback__))
        message = exception_text(exc)
        parts.append(f"{_type_name(exc)}: {message}\n" if message else f"{_type_name(exc)}\n")
        if link:
            parts.append(link)
    return "".join(parts).rstrip("\n")


def _safe(value):
    if isinstance(value, BaseException):
        return exception_text(value)
    return scrub_text(value) if isinstance(value, str) else value


def scrub_record(record: logging.LogRecord) -> None:
    """Make `record` safe to write anywhere: message and arguments scrubbed, the exception as scrubbed text.

    The arguments stay arguments (handlers and tests may read `record.args`), each scrubbed alone."""
    if isinstance(record.msg, str):
        record.msg = scrub_text(record.msg, template=bool(record.args))
        if record.name.startswith("procrastinate"):
            record.msg = _CALL_STRING.sub(r"\1(…)", record.msg)
    args = record.args
    if isinstance(args, dict):
        record.args = {key: _safe(value) for key, value in args.items()}
        if record.name == "gunicorn.access" and record.args.get("q"):
            # The bare query string atom (%(q)s) has no leading "?" for scrub_text to find.
            record.args["q"] = scrub_text("?" + record.args["q"])[1:]
    elif isinstance(args, tuple):
        record.args = tuple(_safe(value) for value in args)
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = format_exception(record.exc_info[1])
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = scrub_text(record.exc_text)


def install() -> None:
    """Scrub every log record this process makes from now on (once per process, whatever calls it)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "scrubs_patient_data", False):
        return

    def scrubbed_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        scrub_record(record)
        return record

    scrubbed_record.scrubs_patient_data = True
    logging.setLogRecordFactory(scrubbed_record)


def _into_gunicorn_error_log() -> None:
    """Under gunicorn, the app's own records go to gunicorn's error log (its file, format and level).

    Otherwise they would reach only Python's last-resort handler: warnings and errors on bare stderr,
    without time or level, and nothing below a warning (a refused commit's traceback is logged at info)."""
    gunicorn_error = logging.getLogger("gunicorn.error")
    ours = logging.getLogger(__name__.partition(".")[0])
    if gunicorn_error.handlers and not ours.handlers:
        for handler in gunicorn_error.handlers:
            ours.addHandler(handler)
        ours.setLevel(gunicorn_error.level)
        ours.propagate = False


def init_app(app: Flask) -> None:
    """Before the engine is made: it must never write parameters into messages or its own log."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
                                               "hide_parameters": True}
    install()
    _into_gunicorn_error_log()

"""The log scrubber (handoff/logging.py) on the records that carried patient data: database errors and their
tracebacks, the access log's request line and query atom, the render queue's job arguments."""

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from handoff.logging import exception_text, format_exception, install, scrub_record, scrub_text

TOKEN = "Q2xhcmEgT3N3YWxkIDE5NDUtMDItMTEgTVJOIDQ0MjE"


def record(name: str, msg, args=(), exc_info=None) -> logging.LogRecord:
    made = logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)
    scrub_record(made)
    return made


def test_share_tokens_and_identifying_query_values_leave_request_lines():
    line = f'"GET /p/{TOKEN}.pdf?lang=es&q=Oswald HTTP/1.1" 303 "https://x.org/p/{TOKEN}"'
    assert scrub_text(line) == '"GET /p/[token]?lang=es&q=[hidden] HTTP/1.1" 303 "https://x.org/p/[token]"'
    for page in ("/p/summary", "/p/summary.pdf", "/p/open", "/p/", "/api/v1/patients?unit=5N&page=2"):
        assert scrub_text(page) == page


def test_gunicorn_access_atoms_are_scrubbed_and_stay_arguments():
    atoms = {"r": f"GET /p/{TOKEN} HTTP/1.1", "U": f"/p/{TOKEN}", "q": "q=Oswald&lang=en", "s": "303"}
    made = record("gunicorn.access", '%(r)s %(s)s "%(q)s"', atoms)
    assert made.getMessage() == 'GET /p/[token] HTTP/1.1 303 "q=[hidden]&lang=en"'
    assert made.args["U"] == "/p/[token]"


def test_a_template_keeps_its_placeholders():
    made = record("handoff.x", "search ?q=%s on /p/%s", ("Oswald", "x"))
    assert made.getMessage() == "search ?q=Oswald on /p/x"  # arguments alone carry no path: not recognised
    assert record("handoff.x", "Refused URL %s", ("https://a.org/x?y=1",)).args == ("https://a.org/x?y=[hidden]",)


def test_postgresql_details_and_sql_parameters_are_cut_from_any_text():
    message = ('(psycopg.errors.NotNullViolation) null value in column "given_name" violates not-null constraint\n'
               "DETAIL:  Failing row contains (7, MRN-1, null, Oswald, 1945-02-11, en).\n"
               "[SQL: INSERT INTO patients (mrn) VALUES (%(mrn)s)]\n[parameters: {'mrn': 'MRN-1'}]")
    scrubbed = scrub_text(message)
    assert "MRN-1" not in scrubbed and "Oswald" not in scrubbed and "1945" not in scrubbed
    assert "DETAIL: [hidden]" in scrubbed and "[parameters hidden]" in scrubbed and "INSERT INTO patients" in scrubbed


def test_a_database_error_keeps_its_kind_and_constraint_and_loses_its_values():
    engine = create_engine("sqlite://")  # no hide_parameters: the scrubber must not depend on it
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE patients (mrn TEXT UNIQUE, name TEXT)")
        connection.execute(text("INSERT INTO patients VALUES (:mrn, :name)"), {"mrn": "MRN-1", "name": "Oswald"})
        with pytest.raises(IntegrityError) as raised:
            connection.execute(text("INSERT INTO patients VALUES (:mrn, :name)"), {"mrn": "MRN-1", "name": "Oswald"})
    assert "MRN-1" in str(raised.value)  # what SQLAlchemy itself would have logged
    said = exception_text(raised.value)
    assert said.startswith("(sqlite3.IntegrityError) UNIQUE constraint failed: patients.mrn")
    assert "INSERT INTO patients VALUES (?, ?)" in said and "MRN-1" not in said and "Oswald" not in said


def test_a_logged_traceback_scrubs_every_exception_of_the_chain():
    patient = {"mrn": "MRN-1", "name": "Oswald"}  # tracebacks show code lines: the values come from data
    try:
        try:
            {}[patient["mrn"]]
        except KeyError as missing:
            raise ValueError(f"no patient {patient['name']!r}") from missing
    except ValueError as error:
        caught = error
        made = record("handoff.x", "failed", exc_info=(type(error), error, error.__traceback__))
    assert made.exc_info is None  # no formatter can print the original
    assert "KeyError: '…'" in made.exc_text and "ValueError: no patient '…'" in made.exc_text
    assert "direct cause" in made.exc_text and "MRN-1" not in made.exc_text and "Oswald" not in made.exc_text
    assert made.exc_text == format_exception(caught)
    assert made.exc_text.count("Traceback (most recent call last)") == 2


def test_the_render_queues_job_arguments_leave_its_messages():
    made = record("procrastinate.worker", "Starting job handoff.render_document[12](job={'html': '<p>Oswald (MRN-1)'})")
    assert made.getMessage() == "Starting job handoff.render_document[12](…)"


def test_every_record_of_the_process_is_scrubbed_once_installed(caplog):
    install()
    install()  # once per process, whoever calls it
    caplog.set_level(logging.INFO, logger="gunicorn.error")
    logging.getLogger("gunicorn.error").info("Error handling request %s", f"/p/{TOKEN}")
    assert caplog.messages == ["Error handling request /p/[token]"]

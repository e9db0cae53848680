"""Malformed input never gives a 500 (issue 11, point 1): deeply nested JSON, bodies sent chunked, and invisible
format characters in names and MRNs. The chunked cases go through the real production server (gunicorn), where
`Transfer-Encoding: chunked` reaches the app as a body without a length; the test client cannot send one."""

import json

import pytest
import requests

from handoff.text_safety import MAX_JSON_DEPTH, depth_of, find_unstorable
from tests.conftest import PASSWORD

PATIENT = {"mrn": "MAL-1", "given_name": "Ana", "family_name": "Ruiz", "birth_date": "1950-01-02"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 100_000])
def test_json_nested_too_deep_answers_400_on_every_route(client, nurse, depth):
    for method, path in (("post", "/api/v1/auth/login"), ("post", "/api/v1/patients"),
                         ("post", "/api/v1/translations")):
        response = getattr(client if "login" in path else nurse, method)(
            path, data=nested(depth), content_type="application/json")
        assert response.status_code == 400, (path, depth, response.get_data(as_text=True))
        assert "nests deeper than" in response.get_json()["message"]


def test_json_as_deep_as_allowed_reaches_the_route(nurse):
    body = {"mrn": "MAL-2", "given_name": "Ana", "family_name": "Ruiz", "birth_date": "1950-01-02",
            "unit": json.loads(nested(MAX_JSON_DEPTH - 1))}
    response = nurse.post("/api/v1/patients", json=body)
    assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "unit"  # the schema's answer


def test_the_checks_walk_any_depth_without_recursion():
    deep: list = []
    for _ in range(50_000 - 1):
        deep = [deep]
    assert depth_of(deep) == 50_000
    assert find_unstorable(deep) is None
    assert find_unstorable({"a": [{"b": "ok"}, {"c": "bad\x00"}]}) == "a.1.c"


@pytest.mark.parametrize("field, value", [
    ("family_name", "Ruiz\u202e"),  # RIGHT-TO-LEFT OVERRIDE: "Ruiz" could print as another name
    ("given_name", "A\u2066na"),  # LEFT-TO-RIGHT ISOLATE
    ("mrn", "MRN\u200b123"),  # ZERO WIDTH SPACE
    ("mrn", "MRN\u200d123"),  # a joiner is never needed in an MRN
])
def test_invisible_format_characters_are_refused_in_names_and_mrns(nurse, field, value):
    response = nurse.post("/api/v1/patients", json={**PATIENT, field: value})
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()["errors"][0]
    assert problem["path"] == field and "U+" in problem["message"]
    assert nurse.get("/api/v1/patients?q=MAL").get_json() == []


def test_a_joiner_a_script_needs_is_kept_in_a_name(nurse):
    persian = "\u0645\u06cc\u200c\u0646\u0627"  # a Persian name written with ZERO WIDTH NON-JOINER
    response = nurse.post("/api/v1/patients", json={**PATIENT, "given_name": persian})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["given_name"] == persian


def _token(base: str, nurse) -> dict:
    got = requests.post(f"{base}/api/v1/auth/tokens", json={"username": nurse.username, "password": PASSWORD},
                        timeout=30)
    assert got.status_code == 201, got.text
    return {"Authorization": f"Bearer {got.json()['token']}", "Content-Type": "application/json"}


def _chunks(body: bytes, size: int = 1000):
    """A generator body: requests sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start:start + size]


@pytest.mark.slow
def test_through_gunicorn_chunked_bodies_get_the_same_checks_and_nesting_no_traceback(gunicorn_server, nurse):
    base, log_path = gunicorn_server
    headers = _token(base, nurse)

    # A NUL in an MRN, sent chunked: refused with its path, nothing stored.
    bad = json.dumps({**PATIENT, "mrn": "MAL-\u0000"}).encode()
    response = requests.post(f"{base}/api/v1/patients", data=_chunks(bad, 7), headers=headers, timeout=30)
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "mrn", response.text
    assert requests.get(f"{base}/api/v1/patients?q=MAL", headers=headers, timeout=30).json() == []

    # Over the 1 MiB limit, sent chunked: 413, as with a Content-Length.
    big = json.dumps({**PATIENT, "given_name": "A" * (1024 * 1024)}).encode()
    response = requests.post(f"{base}/api/v1/patients", data=_chunks(big, 64 * 1024), headers=headers, timeout=60)
    assert response.status_code == 413, response.text

    # A good body sent chunked is read whole.
    response = requests.post(f"{base}/api/v1/patients", data=_chunks(json.dumps(PATIENT).encode(), 5),
                             headers=headers, timeout=30)
    assert response.status_code == 201 and response.json()["mrn"] == "MAL-1", response.text

    # 100,000 nested brackets to the sign-in: a plain 400, and no traceback in the server's log.
    response = requests.post(f"{base}/api/v1/auth/login", data=nested(100_000),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400, response.text
    log = log_path.read_text()
    assert "Traceback" not in log and "RecursionError" not in log, log[-2000:]

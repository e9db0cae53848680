"""Property-based fuzzing of every documented operation: no input may cause a server error.

schemathesis reads /api/v1/openapi.json and generates requests for each operation, both
valid (positive) and deliberately invalid (negative), at least 100 examples per operation
(issue 11, point 10), each sent as a user the route lets in (a nurse, or an admin for admin
routes), so the input reaches the code behind the role check; who is refused where is the
authorization matrix's job (tests/test_authz_matrix.py).
A stateful run then follows the document's OpenAPI links (a created patient is read and moved,
a created handoff is read, saved with the ETag it answered, signed, listed, shared, the link
revoked), so requests reach records that exist and states only a workflow reaches. Only "no
5xx" is checked here; other tests pin the exact answers. Runs are derandomized, so a failure
seen once is seen again. (schemathesis' pytest plugin does not load under pytest 9, so the
operations are driven through its Python API with hypothesis directly.)
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

EXAMPLES_PER_OPERATION = 100
STATEFUL_SCENARIOS = 60
STATEFUL_STEPS = 8
# Would revoke the tokens the rest of the run uses; covered in test_auth.
SKIPPED = "POST /api/v1/auth/logout"


def fuzz_settings(examples: int, **more) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck), **more)


def openapi_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).exclude(name=SKIPPED)


def describe(case, response) -> str:
    return (f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}\n"
            f"  reproduce: {case.as_curl_command()}")


@pytest.fixture
def fuzz_headers(make_user, make_handoff):
    """Tokens for both kinds of user, and a few records so ids like 1 exist to be hit."""
    nurse = make_user("nurse", "fuzz-nurse")
    admin = make_user("admin", "fuzz-admin")
    make_handoff(as_user=nurse)
    return {"nurse": {"Authorization": f"Bearer {nurse.token}"}, "admin": {"Authorization": f"Bearer {admin.token}"}}


def allowed_roles(app) -> dict[tuple[str, str], tuple[str, ...]]:
    """(METHOD, OpenAPI path) -> the roles its view declares (`anyone` for public views)."""
    roles = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            target = getattr(view.view_class, method.lower()) if hasattr(view, "view_class") else view
            roles[(method, path)] = getattr(target, "allowed_roles", ("anyone",))
    return roles


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_with_a_server_error(app, fuzz_headers, mode):
    operations = [result.ok() for result in openapi_schema(app).get_all_operations()]
    assert len(operations) >= 20  # every route of contract 3.3 so far is documented
    roles = allowed_roles(app)
    server_errors: list[str] = []

    def fuzz(operation, headers: dict) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @fuzz_settings(EXAMPLES_PER_OPERATION)
        def no_server_error(case):
            response = case.call(headers={**(case.headers or {}), **headers})
            if response.status_code >= 500:
                server_errors.append(describe(case, response))

        no_server_error()

    for operation in operations:
        let_in = roles[(operation.method.upper(), operation.path)]
        fuzz(operation, fuzz_headers["nurse" if "nurse" in let_in or "anyone" in let_in else "admin"])
    assert server_errors == []


KEPT = {"users", "credentials"}  # the fuzzing nurse and her token live through every scenario


def fresh_start(app, headers: dict, discharge: dict) -> None:
    """Empty the database as the per-test fixture does (but the users), then one patient with a handoff.

    Every scenario starts from the same state: hypothesis replays scenarios while it explores, and a
    replay that met the records of an earlier one (a taken MRN, another id) would draw differently."""
    from sqlalchemy import text

    from handoff.audit.service import ensure_chain_head
    from handoff.checklists.service import seed_builtin
    from handoff.extensions import db
    from handoff.translation_memory.service import seed_library

    with app.app_context():
        tables = [table.name for table in reversed(db.metadata.sorted_tables) if table.name not in KEPT]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))
        seed_builtin(db.session)
        seed_library()
        ensure_chain_head()
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    patient = client.post("/api/v1/patients", headers=headers, json={
        "mrn": "FUZZ-000001", "given_name": "Rosa", "family_name": "Fuzz", "birth_date": "1950-05-17",
        "preferred_language": "en"}).get_json()
    created = client.post("/api/v1/handoffs", headers=headers,
                          json={"patient_id": patient["id"], "checklist": "discharge", "data": discharge})
    assert created.status_code == 201, created.get_json()


@pytest.mark.slow
def test_workflows_along_the_openapi_links_answer_no_server_error(app, fuzz_headers, discharge_scenario):
    schema = openapi_schema(app)
    links = {name for operation in schema.get_all_operations()
             for status in operation.ok().definition.raw.get("responses", {}).values()
             for name in (status.get("links") or {})}
    assert {"GetPatient", "SaveHandoff", "FinalizeHandoff", "ShareHandoff", "RevokeShare"} <= links
    nurse = fuzz_headers["nurse"]
    server_errors: list[str] = []
    steps: list[str] = []

    class Workflow(schema.as_state_machine()):
        def setup(self):
            fresh_start(app, nurse, discharge_scenario["data"])

        def get_call_kwargs(self, case):
            return {"headers": {**(case.headers or {}), **nurse}}

        def validate_response(self, response, case, **kwargs):
            steps.append(f"{case.method} {case.operation.path}")
            if response.status_code >= 500:
                server_errors.append(describe(case, response))

    Workflow.run(settings=fuzz_settings(STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS))
    assert server_errors == []
    # The links were followed: requests reached operations that need an id from an earlier answer.
    assert {"PUT /api/v1/handoffs/{handoff_id}", "GET /api/v1/patients/{patient_id}"} <= set(steps)


def test_every_openapi_link_names_an_operation_and_its_parameters(client):
    """A link a client or fuzzer follows must land: the operation exists and takes each parameter named."""
    document = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for response in operation["responses"].values():
                for name, link in (response.get("links") or {}).items():
                    pointer = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
                    target_path = pointer[0].replace("~1", "/").replace("~0", "~")
                    target = document["paths"][target_path][pointer[1]]
                    declared = [*target.get("parameters", []), *document["paths"][target_path].get("parameters", [])]
                    accepted = {f"{p['in']}.{p['name']}" for p in declared}
                    for parameter in link["parameters"]:
                        qualified = parameter if "." in parameter else f"path.{parameter}"
                        assert qualified in accepted, f"{method} {path} link {name}: {target_path} lacks {parameter}"
                    checked += 1
    assert checked >= 12

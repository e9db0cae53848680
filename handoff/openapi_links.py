"""OpenAPI links: how one operation's answer names the next (a created patient's id, a handoff's ETag).

They document the API's workflows for a reader and let a stateful fuzzer chain real requests
(tests/test_fuzz_openapi.py). Each view declares its links with `blp.doc(**links(...))`.
"""


def operation_ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (`/` escaped as `~1`)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def link(path: str, method: str, description: str, **parameters: str) -> dict:
    """One link to `method path`; parameters map a target parameter (`header.If-Match` for a header) to an
    expression such as `$response.body#/id` or `$response.header.ETag`."""
    return {"operationRef": operation_ref(path, method), "description": description, "parameters": parameters}


def links(status: int, **named: dict) -> dict:
    """Keyword arguments for `blp.doc`: the links of the answer with this status."""
    return {"responses": {status: {"links": named}}}  # an int, as flask-smorest keys the response it merges into


PATIENT = "/api/v1/patients/{patient_id}"
HANDOFF = "/api/v1/handoffs/{handoff_id}"
BY_ID = {"handoff_id": "$response.body#/id"}
ETAG = {"header.If-Match": "$response.header.ETag"}

PATIENT_CREATED = links(
    201,
    GetPatient=link(PATIENT, "get", "Read the patient just registered", patient_id="$response.body#/id"),
    ChangePatient=link(PATIENT, "patch", "Move the patient to a unit and bed", patient_id="$response.body#/id"),
)

# After a create or a save: read it, save again with the ETag just returned, sign it, list its history.
HANDOFF_WRITTEN = {
    "GetHandoff": link(HANDOFF, "get", "Read the handoff's latest revision", **BY_ID),
    "SaveHandoff": link(HANDOFF, "put", "Save a new revision over the one just written", **BY_ID, **ETAG),
    "FinalizeHandoff": link(f"{HANDOFF}/finalize", "post", "Sign the revision just written", **BY_ID, **ETAG),
    "ListRevisions": link(f"{HANDOFF}/revisions", "get", "The handoff's revisions", **BY_ID),
    "GetRevision": link(f"{HANDOFF}/revisions/{{number}}", "get", "The revision just written", **BY_ID,
                        number="$response.body#/revision"),
    "Readability": link(f"{HANDOFF}/readability", "get", "How plain the patient summary reads", **BY_ID),
}
HANDOFF_CREATED = links(201, **HANDOFF_WRITTEN)
HANDOFF_SAVED = links(200, **HANDOFF_WRITTEN)
HANDOFF_SIGNED = links(
    200,
    GetHandoff=HANDOFF_WRITTEN["GetHandoff"],
    AmendHandoff=HANDOFF_WRITTEN["SaveHandoff"],
    ShareHandoff=link(f"{HANDOFF}/share", "post", "Make a take-home link for the signed handoff", **BY_ID),
    ClinicianPdf=link(f"{HANDOFF}/documents/clinician.pdf", "get", "The clinician's PDF", **BY_ID),
)
SHARE_CREATED = links(
    201, RevokeShare=link("/api/v1/shares/{share_id}", "delete", "Revoke the link just made",
                          share_id="$response.body#/id"))

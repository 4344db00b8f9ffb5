"""The OpenAPI document tells the truth: every error an operation can answer, with the one error
body; every file type; and the rules every request field is held to (no control characters in
free text, integers a store can hold) — checked over the whole document, so that a new route or
field that forgets them fails here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.fields import MAX_INT
from api.openapi import ErrorPublic
from api.settings import Settings
from tests.api.conftest import Api

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_REF = "#/components/schemas/Error"
NOT_FREE_TEXT = {"date", "date-time", "uuid", "binary", "time", "duration"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("openapi")))
    schema: dict[str, Any] = app.openapi()
    return schema


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def statuses(operation: dict[str, Any]) -> set[int]:
    return {int(s) for s in operation["responses"]}


def test_every_error_answer_is_documented_with_the_one_error_body(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if (path, status) == ("/api/v1/health/ready", "503"):
                assert "Readiness" in answer["content"]["application/json"]["schema"]["$ref"]
                continue
            if int(status) >= 400:
                assert answer["content"] == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (
                    method,
                    path,
                    status,
                )
                assert answer["description"], (method, path, status)
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "detail", "message", "context"}
    assert "HTTPValidationError" not in json.dumps(document), "FastAPI's 422 body is not ours"


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        documented = statuses(operation)
        names = {p["name"] for p in operation.get("parameters", [])}
        if operation.get("security"):
            assert {401, 403, 422} <= documented, (method, path, documented)
        if method == "POST":
            assert {404, 409, 413, 422} <= documented, (method, path, documented)
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert 404 in documented, (method, path, documented)
        if names & {"after", "X-Dossier-After", "wait"}:
            assert {409, 503} <= documented, (method, path, documented)
    paths = document["paths"]
    # Reads that wait for a position: beyond the head (409), not there yet or stopped (503).
    for read in (
        "/api/v1/registers/loan_ledger",
        "/api/v1/registers/accountability_trail/loans/{loan_no}",
        "/api/v1/tasks",
        "/api/v1/reports/compliance",
    ):
        assert {409, 503} <= statuses(paths[read]["get"]), read
    assert 410 in statuses(paths["/api/v1/loans/{loan_no}/documents/{sha256}"]["get"])
    assert 503 in statuses(paths["/api/v1/loans/{loan_no}/audit-bundles"]["post"])
    assert 503 in statuses(paths["/api/v1/reports/compliance"]["post"])
    assert statuses(paths["/api/v1/health"]["get"]) == {200}
    assert statuses(paths["/api/v1/health/ready"]["get"]) == {200, 503}


def test_every_file_an_operation_can_answer_is_documented(document: dict[str, Any]) -> None:
    def media(path: str, method: str = "get") -> set[str]:
        answer = document["paths"][f"/api/v1{path}"][method]["responses"]
        return {m for status, a in answer.items() if status.startswith("2") for m in a["content"]}

    for listing in ("/registers/loan_ledger", "/registers/collateral_register/movements"):
        assert {"application/json", "text/csv", XLSX} <= media(listing)
    assert {"application/json", "application/pdf", XLSX} <= media("/reports/compliance")
    assert {"application/pdf", XLSX} <= media("/reports/compliance", "post")
    assert "application/zip" in media("/loans/{loan_no}/audit-bundles", "post")
    assert "application/pdf" in media("/loans/{loan_no}/documents/{sha256}")
    assert "application/pdf" in media("/destruction-batches/{batch_id}/register.pdf")
    assert "application/pdf" in media("/borrowings/{borrowing_id}/electronic-copy", "post")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _leaves(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str] = frozenset()
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every scalar schema in ``schema``, with where it is."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return
        seen |= {schema["$ref"]}
    schema = _resolve(document, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _leaves(document, option, where, seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _leaves(document, sub, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            yield from _leaves(document, schema[key], f"{where}[{key}]", seen)
    if schema.get("type") in ("string", "integer"):
        yield where, schema


def _inputs(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every scalar a request may carry: parameters, and JSON bodies' fields."""
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{method} {path} {parameter['in']} {parameter['name']}"
            yield from _leaves(document, parameter["schema"], where)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            yield from _leaves(document, content["application/json"]["schema"], f"{method} {path}")


def test_every_free_text_field_refuses_control_characters(document: dict[str, Any]) -> None:
    """Each string a request carries is an enum, a date, an id, or has a pattern that refuses
    a control character (the multipart `data` part is JSON, read as the JSON body is)."""
    loose = []
    for where, schema in _inputs(document):
        if schema["type"] != "string" or "enum" in schema or "const" in schema:
            continue
        if schema.get("format") in NOT_FREE_TEXT:
            continue
        pattern = schema.get("pattern")
        if pattern is None or re.search(pattern, "借款\x07人") or re.search(pattern, "\x00"):
            loose.append(where)
    assert not loose, loose


def test_every_integer_a_request_carries_is_one_the_stores_hold(document: dict[str, Any]) -> None:
    unbounded = [
        where
        for where, schema in _inputs(document)
        if schema["type"] == "integer"
        and not (schema.get("maximum", MAX_INT + 1) <= MAX_INT and "minimum" in schema)
    ]
    assert not unbounded, unbounded


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/loans", 401),
        ("am", "/staff", 403),
        ("auditor", "/loans/NO-SUCH-LOAN", 404),
        ("auditor", "/loans?limit=0", 422),
    ],
)
def test_a_real_error_answer_is_the_documented_body(
    api: Api, who: str | None, path: str, status: int
) -> None:
    headers = api.headers[who] if who else {}
    answer = api.client.get(f"/api/v1{path}", headers=headers)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "detail", "message", "context"}
    ErrorPublic.model_validate(body)


def test_the_document_served_is_the_one_built(api: Api, tmp_path: Path) -> None:
    served = api.client.get("/openapi.json").json()
    assert served["components"]["schemas"]["Error"]["required"]
    assert all(
        "422" in operation["responses"]
        for _, _, operation in operations(served)
        if operation.get("parameters") or "requestBody" in operation
    )

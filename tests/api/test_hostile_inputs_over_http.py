"""Hostile uploads over HTTP: 422 ``document_rejected`` (413 ``document_too_large``), a
bilingual detail naming the reason, and nothing recorded or stored.

A representative subset of the corpus in ``tests/archive/hostile.py``, sent as the report of
an inspection in a multipart request, next to a good photo that must not be stored either.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.api.conftest import Api, answered, disburse, pdf
from tests.api.test_refusals_over_http import refused
from tests.archive.hostile import BENIGN, KINDS, UPLOAD_LIMIT, make_jpeg

LOAN = "DK2025000777"
INSPECTION = {
    "kind": "routine",
    "inspected_on": "2025-04-01",
    "reviewer_no": "RV001",
    "findings": "经营正常",
}
OVER_HTTP = [
    "empty",
    "truncated",
    "concatenated",
    "polyglot_zip_appended",
    "html_behind_pdf_header",
    "encrypted",
    "js_open_action",
    "js_names_tree",
    "js_in_object_stream",
    "launch_action",
    "uri_javascript",
    "embedded_executable",
    "xfa_form",
    "nested_array_bomb",
    "huge_page_count",
    "cyclic_page_tree",
    "exe_named_pdf",
    "declared_type_mismatch",
    "png_with_zip_appended",
    "path_traversal",
    "windows_reserved_name",
    "oversized",
]


@pytest.fixture
def loan(api: Api, monkeypatch: pytest.MonkeyPatch) -> str:
    """A disbursed loan, on an archive whose upload limit is the corpus's small one."""
    archive = api.archive
    monkeypatch.setattr(archive, "config", replace(archive.config, max_upload_bytes=UPLOAD_LIMIT))
    disburse(api, LOAN)
    return LOAN


@pytest.mark.parametrize("kind", OVER_HTTP)
def test_a_hostile_inspection_report_is_refused_over_http(api: Api, loan: str, kind: str) -> None:
    hostile = KINDS[kind]()
    before = api.counts()

    answer = api.upload(
        "am",
        f"/loans/{loan}/inspections",
        INSPECTION,
        [
            ("site_photo", ("现场照片.jpg", make_jpeg(), "image/jpeg")),
            ("inspection_report", (hostile.filename, hostile.data, hostile.media_type)),
        ],
    )

    too_large = hostile.reason == "larger than the limit"
    status, error = (413, "document_too_large") if too_large else (422, "document_rejected")
    body = refused(api, answer, before, status, error)
    assert hostile.reason in body["detail"]["en"], body


def test_a_file_name_sent_in_gbk_is_refused_as_not_text(api: Api, loan: str) -> None:
    # A browser or client that sends the name in GBK: the server sees bytes that are not
    # UTF-8, and reads them as Latin-1. The archive must not keep such a name.
    boundary = "hostile-boundary"
    name = "借款合同.pdf".encode("gbk")
    report = pdf("inspection")
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="data"\r\n\r\n',
            json.dumps(INSPECTION).encode(),
            f"\r\n--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="inspection_report"; filename="'
            + name
            + b'"\r\nContent-Type: application/pdf\r\n\r\n',
            report,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    before = api.counts()

    answer = api.send(
        "am", f"/loans/{loan}/inspections", body, f"multipart/form-data; boundary={boundary}"
    )

    problem = refused(api, answer, before, 422, "document_rejected")
    assert "not valid text" in problem["detail"]["en"]


def test_a_benign_report_with_a_web_link_goes_through(api: Api, loan: str) -> None:
    document = BENIGN["pdf_with_web_and_mail_links"]()
    answer = api.upload(
        "am",
        f"/loans/{loan}/inspections",
        {**INSPECTION, **answered()},
        [("inspection_report", (document.filename, document.data, document.media_type))],
    )
    assert answer.status_code == 201, answer.text

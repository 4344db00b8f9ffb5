"""A dossier's retention in the archive room: a hold placed by the auditor and released, an
appraisal opened by the archive head with a group chosen by name and decided — and a group of
one refused on the form with nothing recorded."""

from __future__ import annotations

import re

from domain.values import AppraisalOpinion, Role
from tests.api.console_harness import PEOPLE, Console
from tests.api.test_console_destruction import LOAN, _past_retention

PAGE = f"/archive/retention/{LOAN}"


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def test_holds_and_an_appraisal_are_done_on_the_dossier_s_retention_page(
    console: Console,
) -> None:
    _past_retention(console, appraise=False)
    console.as_role(Role.ARCHIVE_HEAD)
    room = console.get("/archive")
    assert f'href="{PAGE}"' in room.text
    page = console.get(PAGE)
    assert page.status_code == 200
    assert "2055-12-31" in page.text
    token = console.csrf(PAGE)
    archivist_no, archivist = PEOPLE[Role.ARCHIVIST]
    auditor_no = PEOPLE[Role.AUDITOR][0]
    before = _head(console)
    alone = console.client.post(
        f"{PAGE}/appraisals",
        data={"csrf_token": token, "group_no": [archivist_no], "opened_on": "2056-01-05"},
        follow_redirects=False,
    )
    assert alone.status_code == 422, alone.text
    assert 'role="alert"' in alone.text or 'id="group_nos-error"' in alone.text
    assert _head(console) == before
    opened = console.client.post(
        f"{PAGE}/appraisals",
        data={
            "csrf_token": token,
            "group_no": [archivist_no, auditor_no],
            "opened_on": "2056-01-05",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    page = console.get(PAGE)
    assert archivist in page.text
    decision = re.search(r'action="(/archive/retention/[^"]+/decision)"', page.text)
    assert decision is not None
    decided = console.post(
        decision.group(1),
        {
            "csrf_token": token,
            "opinion": "destroy",
            "text": "已无保存价值，建议销毁",
            "decided_on": "2056-01-10",
        },
    )
    assert decided.status_code == 303, decided.text
    dossier = console.archive.dossier_of(console.archive.loan(LOAN))
    [appraisal] = dossier.appraisals.values()
    assert appraisal.opinion is AppraisalOpinion.DESTROY

    console.as_role(Role.AUDITOR)
    token = console.csrf("/")
    refused = console.post(PAGE + "/holds", {"csrf_token": token, "kind": "audit"})
    assert refused.status_code == 422
    held = console.post(
        PAGE + "/holds",
        {
            "csrf_token": token,
            "kind": "audit",
            "reason": "专项审计调阅期间冻结",
            "reference": "审计〔2056〕3号",
            "placed_on": "2056-02-01",
        },
    )
    assert held.status_code == 303, held.text
    dossier = console.archive.dossier_of(console.archive.loan(LOAN))
    assert len(dossier.open_holds) == 1
    console.as_role(Role.ARCHIVE_HEAD)
    assert console.get(PAGE).status_code == 200  # the archive head reads it, holds and all
    console.as_role(Role.AUDITOR)
    token = console.csrf(PAGE)
    page = console.get(PAGE)
    release = re.search(r'action="(/archive/retention/[^"]+/release)"', page.text)
    assert release is not None
    released = console.post(
        release.group(1),
        {"csrf_token": token, "reason": "审计结束", "released_on": "2056-02-20"},
    )
    assert released.status_code == 303, released.text
    dossier = console.archive.dossier_of(console.archive.loan(LOAN))
    assert not dossier.open_holds


def test_the_retention_is_extended_from_the_page(console: Console) -> None:
    _past_retention(console, appraise=False)
    console.as_role(Role.ARCHIVE_HEAD)
    token = console.csrf(PAGE)
    refused = console.post(PAGE + "/extension", {"csrf_token": token, "reason": "诉讼未结"})
    assert refused.status_code == 422
    extended = console.post(
        PAGE + "/extension",
        {
            "csrf_token": token,
            "ends_on": "2060-12-31",
            "reason": "相关诉讼尚未审结",
            "extended_on": "2056-03-01",
        },
    )
    assert extended.status_code == 303, extended.text
    dossier = console.archive.dossier_of(console.archive.loan(LOAN))
    assert dossier.retention_ends_on.isoformat() == "2060-12-31"

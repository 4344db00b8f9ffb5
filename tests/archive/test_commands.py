"""A command is a typed object, handled by one application method, on SQLite and PostgreSQL.

The route, the CLI, the demo and these tests build the same object and hand it to
``DossierArchive.execute``; the object's fields are what an idempotent request's fingerprint
hashes (tests/api/test_fingerprints_over_http.py pins those bytes).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from archive.application import DossierArchive
from archive.commands import HANDLERS, Command, command_named, handles
from archive.commands.borrowing import ReturnBorrowing
from archive.commands.custody import ListTransfer
from archive.commands.disposition import ExecuteDestruction, ProposeDestruction
from archive.commands.inspections import RecordInspection
from archive.commands.lifecycle import Disburse
from archive.core import CommandContext
from archive.errors import StaleVersionError
from domain.authorization import Action
from domain.errors import InvalidInputError
from domain.values import InspectionKind, TransferKind
from tests.factories import answered, make_disbursement, make_upload

LOAN_NO = "JJ2025011000777"


def inspection(**overrides: object) -> RecordInspection:
    fields: dict[str, object] = {
        "loan_no": LOAN_NO,
        "kind": InspectionKind.FIRST_FOLLOW_UP,
        "inspected_on": date(2025, 1, 20),
        "reviewer_no": "reviewer",
        "findings": "资金按约定用途使用",
        **answered("corporate"),
    }
    return RecordInspection.model_validate({**fields, **overrides})


def test_every_command_has_one_handler_the_application_calls_by_its_name() -> None:
    assert {RecordInspection, ReturnBorrowing, ExecuteDestruction} <= set(HANDLERS)
    for command, handler in HANDLERS.items():
        assert getattr(DossierArchive, handler.__name__) is handler, command.__name__
        assert command_named(handler.__name__) is command
        assert isinstance(command.action, Action), command.__name__
    assert command_named("no_such_command") is None


def test_a_command_is_handled_once() -> None:
    with pytest.raises(TypeError, match="handled twice"):
        handles(RecordInspection)(lambda app, ctx, cmd: None)


def test_what_a_request_fingerprint_hashes_is_the_fields_but_the_version_and_assigned_ids() -> None:
    cmd = inspection(expected_version=3)
    assert {k: v for k, v in cmd.params().items() if k not in answered()} == {
        "loan_no": LOAN_NO,
        "kind": InspectionKind.FIRST_FOLLOW_UP,
        "inspected_on": date(2025, 1, 20),
        "reviewer_no": "reviewer",
        "findings": "资金按约定用途使用",
    }
    assert [a["item"] for a in cmd.params()["answers"]] == [
        a["item"] for a in answered()["answers"]
    ]
    assert isinstance(cmd.inspection_id, UUID)  # assigned, not requested
    assert inspection().inspection_id != cmd.inspection_id
    batch = ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1))
    assert batch.params() == {"loan_nos": [LOAN_NO], "proposed_on": date(2056, 2, 1)}


def test_a_nested_object_is_hashed_as_the_json_object_it_was_sent_as() -> None:
    item = {"doc_type": "loan_contract", "title": "借款合同", "pages": 6}
    cmd = ListTransfer(
        loan_no=LOAN_NO, kind=TransferKind.ORIGINALS, items=[item], listed_on=date(2025, 1, 13)
    )
    assert cmd.params() == {
        "loan_no": LOAN_NO,
        "kind": TransferKind.ORIGINALS,
        "items": [item],
        "listed_on": date(2025, 1, 13),
        "signed_on": None,
    }
    assert isinstance(cmd.transfer_id, UUID)  # assigned, not requested


def test_a_field_a_request_names_otherwise_keeps_its_own_name_in_code() -> None:
    borrowing_id = uuid4()
    by_name = ReturnBorrowing(borrowing_id=borrowing_id, returned_on=date(2026, 11, 10), pages={})
    by_alias = ReturnBorrowing.model_validate(
        {"borrowing_id": borrowing_id, "on": "2026-11-10", "pages": {}}
    )
    assert by_name == by_alias
    assert set(by_name.params()) == {"borrowing_id", "returned_on", "pages"}


def test_a_disbursement_fingerprints_the_people_it_names_and_only_those() -> None:
    """A request names them ``approver`` …; the fingerprint, as it always has, ``approver_no``."""
    named = make_disbursement(LOAN_NO, approver_no="branch_head")
    params = named.params()
    assert params["approver_no"] == "branch_head"
    assert not {"investigator_no", "origination_reviewer_no", "approver"} & set(params)
    assert set(make_disbursement(LOAN_NO).params()) == set(named.facts())
    requested = Disburse.model_validate({**named.facts(), "approver": "branch_head"})
    assert requested == named


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"findings": ""}, "findings"),
        ({"findings": "经营\x07正常"}, "findings"),
        ({"reviewer_no": "reviewer\n"}, "reviewer_no"),
        ({"kind": "weekly"}, "kind"),
        ({"inspected_on": "yesterday"}, "inspected_on"),
        ({"inspection_note": "extra"}, "inspection_note"),
        ({"expected_version": 0}, "expected_version"),
    ],
)
def test_a_command_built_with_a_bad_value_is_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        inspection(**overrides)
    assert refused.value.context["field"] == field
    assert field in refused.value.en
    assert field in refused.value.zh


def test_commands_are_values_nobody_changes_after_sending() -> None:
    cmd = inspection()
    with pytest.raises(ValueError, match="frozen"):
        cmd.findings = "改过的结论"  # type: ignore[misc]
    assert issubclass(RecordInspection, Command)


def test_execute_hands_the_command_to_its_handler_with_its_documents(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    cmd = inspection()
    result = app.execute(am, cmd, [make_upload("first_inspection_report")])
    assert result.ids == {"inspection_id": str(cmd.inspection_id)}
    assert result.events == ("InspectionRecorded",)
    # The upload, and the generated form (公司客户贷后检查报告) of the answers.
    assert [d.doc_type for d in result.documents] == ["first_inspection_report"] * 2
    assert result.documents[1].filename.endswith("-first_follow_up.pdf")
    [recorded] = app.loan(LOAN_NO).inspections.values()
    assert recorded.findings == "资金按约定用途使用"


def test_the_version_a_command_expects_is_checked_and_must_agree_with_if_match(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = staff["account_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    version = app.loan(LOAN_NO).version
    with pytest.raises(StaleVersionError):
        app.execute(am, inspection(expected_version=version + 1))
    with pytest.raises(InvalidInputError) as disagree:
        app.execute(
            CommandContext(am.staff_id, expected_version=version),
            inspection(expected_version=version + 1),
        )
    assert disagree.value.context["field"] == "expected_version"
    assert app.loan(LOAN_NO).version == version
    assert app.execute(am, inspection(expected_version=version)).version == version + 1


def test_a_command_that_files_no_documents_refuses_them(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    assert not ReturnBorrowing.files_documents
    before = app.recorder.max_notification_id()
    cmd = ReturnBorrowing(borrowing_id=uuid4(), returned_on=date(2026, 11, 10), pages={})
    with pytest.raises(InvalidInputError) as refused:
        app.execute(staff["archivist"], cmd, [make_upload("borrow_slip")])
    assert refused.value.context["field"] == "borrow_slip"
    assert app.recorder.max_notification_id() == before

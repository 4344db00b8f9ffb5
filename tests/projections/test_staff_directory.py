"""Staff directory (人员名录): who each staff id is, from the Staff events alone.

The console enrols the bank's people; an administrator grants the account manager a second
duty and later revokes it. The directory holds each person by id with name, staff number,
branch and the roles held — as of any point, the roles held then — and names the ids other
registers keep: ``姓名（工号）``, the console operator as the console, an id it does not know
left out (the caller says "未登记人员", never the id). The borrowing a person requests shows
them by name in the circulation register's export and listing, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from uuid import uuid4

from archive.commands.staff import GrantRole, RevokeRole
from archive.core import SYSTEM_ID, CommandContext
from domain.display import CONSOLE, UNKNOWN_PERSON
from domain.scope import RowScope
from domain.values import BorrowingPurpose, Role, staff_id_for
from projections.export import Display, to_csv
from projections.query import AsOf
from projections.registers.borrowing import BORROWINGS
from projections.registers.staff import names_of
from projections.service import RegisterService
from tests import steps
from tests.factories import make_disbursement, make_upload
from tests.projections.conftest import Registers

NAME = "staff_directory"


def test_the_directory_names_each_person_with_the_roles_held_then(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    console = CommandContext(SYSTEM_ID)
    registers.catch_up()
    before = app.recorder.max_notification_id()
    app.execute(console, GrantRole(staff_no="account_manager", role=Role.REVIEWER))
    registers.catch_up()
    granted = app.recorder.max_notification_id()
    app.execute(console, RevokeRole(staff_no="account_manager", role=Role.REVIEWER, reason="调岗"))
    registers.catch_up()

    rows = {r["staff_no"]: r for r in registers.rows(NAME, "staff")}
    assert len(rows) == len(staff)
    manager = rows["account_manager"]
    assert manager == {
        "staff_id": staff_id_for("account_manager"),
        "staff_no": "account_manager",
        "name": "张伟",
        "display_name": "张伟（account_manager）",
        "branch": "营业部",
        "roles": "account_manager",
        "roles_zh": "客户经理",
    }
    # As of the grant, the second duty was held; before it, not.
    at_grant = {r["staff_no"]: r for r in registers.as_of(NAME, "staff", position=granted)}
    assert at_grant["account_manager"]["roles_zh"] == "客户经理、复核人"
    at_start = {r["staff_no"]: r for r in registers.as_of(NAME, "staff", position=before)}
    assert at_start["account_manager"]["roles_zh"] == "客户经理"

    directory = registers.register(NAME)
    stranger = uuid4()
    ids = [staff_id_for("auditor"), staff_id_for("archivist"), stranger]
    assert names_of(registers.store, directory, ids) == {
        staff_id_for("auditor"): "赵敏（auditor）",
        staff_id_for("archivist"): "黄丽（archivist）",
    }
    assert names_of(registers.store, directory, []) == {}
    assert names_of(registers.store, directory, ids, as_of=AsOf(position=0)) == {}

    # Registers keep the id; what people read names the person, never the id.
    service = RegisterService(registers.store, list(registers.follower.projections.values()))
    people = [c for c in BORROWINGS.exported() if c.info["shows"]]
    rows_named = [{"requested_by": staff_id_for("auditor")}, {"requested_by": stranger}]
    display = service.display(people, rows_named)
    requested_by = next(c for c in people if c.name == "requested_by")
    assert [display.person(requested_by, r["requested_by"]) for r in rows_named] == [
        "赵敏（auditor）",
        UNKNOWN_PERSON,
    ]
    assert display.person(requested_by, SYSTEM_ID) == CONSOLE
    assert str(stranger) not in to_csv(people, rows_named, display).decode("utf-8-sig")
    # Without the directory's names, nobody is named by id either.
    assert str(stranger) not in to_csv(people, rows_named, Display()).decode("utf-8-sig")


def test_a_borrowings_people_read_by_name_in_the_circulation_export(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    app.disburse(
        staff["account_manager"],
        make_disbursement("SD2025000001"),
        [make_upload("loan_contract", filename="借款合同-SD2025000001.pdf")],
    )
    steps.request_borrowing(
        app,
        staff["auditor"],
        "SD2025000001",
        BorrowingPurpose.AUDIT,
        "审计抽查",
        make_disbursement().value_date,
    )
    registers.catch_up()
    service = RegisterService(registers.store, list(registers.follower.projections.values()))
    selection = service.select("circulation_register")
    body = service.export(
        selection, "csv", scope=RowScope.everything(), as_of=AsOf(), filters={}, order_by=[]
    )
    header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    values = dict(zip(header, row, strict=True))
    assert values["借阅人"] == "赵敏（auditor）"
    assert str(staff_id_for("auditor")) not in body.decode("utf-8-sig")

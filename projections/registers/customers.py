"""客户档案台账 (customer file register): the archive kept by customer (按户建档), partitioned by
unit, customer type and loan category (分区管理), and the quality of customers' contact data.

A projection of the loans (``Disbursed``, ``BranchChanged``, repayments, settlement and
write-off, ``BorrowerInformationChanged``), their dossiers (``Catalogued``: the 档号), the
管户 of ``Staff`` (``CustomerAssigned``, ``CustomerReleased``) and the ``Customer`` file itself
(managing bank, operating rhythm, contact attempts, 失联 and contact data verified):

* ``customers``: one row per borrower — its unit (the unit of its latest loan), type, group,
  manager (管户), amount tier, managing bank (客户管理行) and its level, dossiers and loans on the
  books, balance, the loan categories it borrows in, its operating rhythm, and whether it is
  unreachable (失联) since when, with the attempts made and how many reached it;
* ``dossiers``: the catalogue by customer — one row per loan's dossier with the borrower, its
  档号 once catalogued, unit, loan category and state (the customer-level catalogue, exported
  per customer with ``?borrower_id=…&format=xlsx``);
* ``partitions``: one row per unit, customer type and loan category (按单位、贷款和客户类别分区):
  customers, dossiers, dossiers of loans still on the books, balance;
* ``contact_quality``: one row per unit — customers, those unreachable, attempts to reach
  customers and the share that reached them (准确率), and the contact updates recorded with the
  days from the change (learned, or effective) to its recording (及时性).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from domain.customer import Customer, OperatingRhythm
from domain.dates import recorded_on
from domain.dossier import Dossier
from domain.information import BorrowerField
from domain.loan import Loan
from domain.scope import Level
from domain.staff import Staff
from domain.values import BorrowerType, LoanStatus, Product, dossier_id_for
from projections.changes import Changes
from projections.fed import repayment_change
from projections.projection import Listing, Projection, handlers
from projections.tables import PERSON, TableSpec, col

MONEY = sa.Numeric(18, 2)
ZERO = Decimal("0.00")
CONTACT_FIELDS = frozenset({BorrowerField.ADDRESS.value, BorrowerField.PHONE.value})
# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
DossierEvents: Any = Dossier
StaffEvents: Any = Staff
CustomerEvents: Any = Customer

CUSTOMERS = TableSpec(
    "customers",
    [
        col("borrower_id", sa.String(64), "客户号", "customer id", filter=True, nullable=False),
        col("borrower_name", sa.String(200), "客户名称", "customer"),
        col(
            "borrower_type",
            sa.String(16),
            "客户类型",
            "customer type",
            filter=True,
            labels=BorrowerType,
        ),
        col("group_name", sa.String(200), "所属集团", "group", filter=True),
        col("branch", sa.String(100), "经营行（机构）", "unit (operating bank)", filter=True),
        col("manager_id", sa.Uuid, "管户人", "manager", shows=PERSON),
        col("tier", sa.String(32), "管户层级", "tier", filter=True),
        col("managing_branch", sa.String(100), "客户管理行", "managing bank", filter=True),
        col("managing_level", sa.String(16), "管理行层级", "managing level", labels=Level),
        col("managing_set_on", sa.Date, "管理行确定日期", "managing bank set on"),
        col("latest_loan_no", sa.String(64), "最近借据号", "latest loan no."),
        col("dossiers", sa.Integer, "档案（卷）数", "dossiers"),
        col("open_loans", sa.Integer, "在贷笔数", "loans on the books"),
        col("balance", MONEY, "贷款余额（元）", "balance (元)"),
        col("products", sa.Text, "贷款类别", "loan categories"),
        col("rhythm", sa.Text, "客户运营规律（电话回访时间）", "operating rhythm (phone visits)"),
        col("unreachable", sa.Boolean, "失联", "unreachable", filter=True),
        col("unreachable_since", sa.Date, "失联日期", "unreachable since"),
        col("attempts", sa.Integer, "联系次数", "contact attempts"),
        col("reached", sa.Integer, "联系成功次数", "attempts that reached"),
        col("last_reached_on", sa.Date, "最近联系成功日", "last reached on"),
        col("contact_verified_on", sa.Date, "联系信息核实日", "contact verified on"),
    ],
    key=("borrower_id",),
    indexes=(("branch",),),
)

DOSSIERS = TableSpec(
    "dossiers",
    [
        col("loan_id", sa.Uuid, "贷款ID", "loan id", export=False, nullable=False),
        col("borrower_id", sa.String(64), "客户号", "customer id", filter=True),
        col("borrower_name", sa.String(200), "客户名称", "customer"),
        col(
            "borrower_type",
            sa.String(16),
            "客户类型",
            "customer type",
            filter=True,
            labels=BorrowerType,
        ),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("reference_code", sa.String(100), "档号", "reference code", filter=True),
        col("product", sa.String(40), "贷款类别", "loan category", filter=True, labels=Product),
        col("branch", sa.String(100), "机构", "unit", filter=True),
        col("principal", MONEY, "贷款金额（元）", "principal (元)"),
        col("balance", MONEY, "贷款余额（元）", "balance (元)"),
        col("value_date", sa.Date, "起息日", "value date"),
        col("maturity_date", sa.Date, "到期日", "maturity date"),
        col("status", sa.String(16), "状态", "status", filter=True, labels=LoanStatus),
        col("catalogued_on", sa.Date, "编目日期", "catalogued on"),
    ],
    key=("loan_id",),
    indexes=(("borrower_id",), ("loan_no",)),
)

PARTITIONS = TableSpec(
    "partitions",
    [
        col("branch", sa.String(100), "机构", "unit", filter=True, nullable=False),
        col(
            "borrower_type",
            sa.String(16),
            "客户类型",
            "customer type",
            filter=True,
            labels=BorrowerType,
            nullable=False,
        ),
        col(
            "product",
            sa.String(40),
            "贷款类别",
            "loan category",
            filter=True,
            labels=Product,
            nullable=False,
        ),
        col("customers", sa.Integer, "客户数", "customers"),
        col("dossiers", sa.Integer, "档案（卷）数", "dossiers"),
        col("open_dossiers", sa.Integer, "在贷档案数", "dossiers of loans on the books"),
        col("balance", MONEY, "贷款余额（元）", "balance (元)"),
        col("borrowers", sa.Text, "客户号", "customer ids", export=False),
    ],
    key=("branch", "borrower_type", "product"),
)

CONTACT_QUALITY = TableSpec(
    "contact_quality",
    [
        col("branch", sa.String(100), "机构", "unit", filter=True, nullable=False),
        col("customers", sa.Integer, "客户数", "customers"),
        col("unreachable", sa.Integer, "失联客户数", "unreachable customers"),
        col("restored", sa.Integer, "失联后核实恢复数", "restored after 失联"),
        col("attempts", sa.Integer, "联系次数", "contact attempts"),
        col("reached", sa.Integer, "联系成功次数", "attempts that reached"),
        col("accuracy", sa.Numeric(5, 2), "联系信息准确率（%）", "contact accuracy (%)"),
        col("updates", sa.Integer, "联系信息更新次数", "contact updates"),
        col("update_days", sa.Integer, "更新累计天数", "days to record, total"),
        col(
            "average_update_days",
            sa.Numeric(8, 1),
            "更新平均用时（天）",
            "average days to record",
        ),
        col("latest_update_days", sa.Integer, "最近一次更新用时（天）", "days, latest update"),
    ],
    key=("branch",),
)

CUSTOMER_IDS = TableSpec(
    "customer_ids",
    [
        col("customer_id", sa.Uuid, "客户档案ID", "customer file id", nullable=False),
        col("borrower_id", sa.String(64), "客户号", "customer id"),
    ],
    key=("customer_id",),
    dated=False,
)

DOSSIER_IDS = TableSpec(
    "dossier_ids",
    [
        col("dossier_id", sa.Uuid, "档案ID", "dossier id", nullable=False),
        col("loan_id", sa.Uuid, "贷款ID", "loan id"),
    ],
    key=("dossier_id",),
    dated=False,
)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _average(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _listed(text: str | None) -> list[str]:
    return [x for x in (text or "").split("\n") if x]


class CustomerFileRegister(Projection):
    """客户档案台账: the archive by customer, its partitions, and contact-data quality."""

    name = "customer_file"
    version = 2  # 2: the core system's corrections and new amounts move the balance
    title_zh = "客户档案台账"
    title_en = "Customer files"
    tables = (CUSTOMERS, DOSSIERS, PARTITIONS, CONTACT_QUALITY, CUSTOMER_IDS, DOSSIER_IDS)
    listings: ClassVar[dict[str, Listing]] = {
        "customers": Listing(
            "customers", ("branch", "borrower_type", "borrower_id"), title_zh, title_en
        ),
        "dossiers": Listing(
            "dossiers",
            ("borrower_id", "value_date", "loan_no"),
            "客户档案目录",
            "Catalogue by customer",
        ),
        "partitions": Listing(
            "partitions",
            ("branch", "borrower_type", "product"),
            "档案分区（单位·客户类别·贷款类别）",
            "Partitions by unit, customer type and loan category",
        ),
        "contact_quality": Listing(
            "contact_quality",
            ("branch",),
            "客户联系信息质量（失联·及时性·准确率）",
            "Contact data quality by unit",
        ),
    }

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.zone = timezone

    handle = handlers()

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _customer(changes: Changes, borrower_id: str) -> dict[str, Any] | None:
        return changes.get("customers", borrower_id)

    @staticmethod
    def _blank_customer(**values: Any) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(CUSTOMERS.column_names)
        row |= {
            "dossiers": 0,
            "open_loans": 0,
            "balance": ZERO,
            "products": "",
            "unreachable": False,
            "attempts": 0,
            "reached": 0,
        }
        return row | values

    @staticmethod
    def _quality(changes: Changes, branch: str) -> dict[str, Any]:
        row = changes.get("contact_quality", branch)
        if row is not None:
            return row
        return {
            "customers": 0,
            "unreachable": 0,
            "restored": 0,
            "attempts": 0,
            "reached": 0,
            "accuracy": None,
            "updates": 0,
            "update_days": 0,
            "average_update_days": None,
            "latest_update_days": None,
        }

    def _count_customer(self, changes: Changes, branch: str, delta: int, unreachable: bool) -> None:
        row = self._quality(changes, branch)
        row["customers"] += delta
        if unreachable:
            row["unreachable"] += delta
        changes.put("contact_quality", (branch,), row)

    def _partition(
        self, changes: Changes, loan: dict[str, Any], *, dossiers: int, open_: int, balance: Decimal
    ) -> None:
        key = (loan["branch"], loan["borrower_type"], loan["product"])
        row = changes.get("partitions", *key) or {
            "customers": 0,
            "dossiers": 0,
            "open_dossiers": 0,
            "balance": ZERO,
            "borrowers": "",
        }
        row["dossiers"] += dossiers
        row["open_dossiers"] += open_
        row["balance"] += balance
        borrowers = _listed(row["borrowers"])
        if dossiers > 0:
            borrowers.append(loan["borrower_id"])
        elif dossiers < 0 and loan["borrower_id"] in borrowers:
            borrowers.remove(loan["borrower_id"])
        row["borrowers"] = "\n".join(borrowers)
        row["customers"] = len(set(borrowers))
        changes.put("partitions", key, row)

    def _borrower_of(self, changes: Changes, customer_id: Any) -> str | None:
        found = changes.get("customer_ids", customer_id)
        return found["borrower_id"] if found else None

    # ------------------------------------------------------------------ loans
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        loan = {
            "borrower_id": event.borrower_id,
            "borrower_name": event.borrower_name,
            "borrower_type": event.borrower_type.value,
            "loan_no": event.loan_no,
            "reference_code": None,
            "product": event.product.value,
            "branch": event.branch,
            "principal": event.principal,
            "balance": event.principal,
            "value_date": event.value_date,
            "maturity_date": event.maturity_date,
            "status": LoanStatus.ACTIVE.value,
            "catalogued_on": None,
        }
        changes.put("dossiers", (event.originator_id,), loan)
        changes.put(
            "dossier_ids",
            (dossier_id_for(event.originator_id),),
            {"loan_id": event.originator_id},
        )
        self._partition(changes, loan, dossiers=1, open_=1, balance=event.principal)
        customer = self._customer(changes, event.borrower_id)
        if customer is None:
            customer = self._blank_customer()
            self._count_customer(changes, event.branch, 1, False)
        elif customer["branch"] != event.branch:
            self._count_customer(changes, customer["branch"], -1, customer["unreachable"])
            self._count_customer(changes, event.branch, 1, customer["unreachable"])
        products = _listed(customer["products"])
        if event.product.zh not in products:
            products.append(event.product.zh)
        customer |= {
            "borrower_name": event.borrower_name,
            "borrower_type": event.borrower_type.value,
            "branch": event.branch,
            "latest_loan_no": event.loan_no,
            "dossiers": customer["dossiers"] + 1,
            "open_loans": customer["open_loans"] + 1,
            "balance": customer["balance"] + event.principal,
            "products": "\n".join(products),
        }
        changes.put("customers", (event.borrower_id,), customer)

    @handle.register(LoanEvents.BranchChanged)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("dossiers", event.originator_id)
        if loan is None:
            return
        open_ = 1 if loan["status"] == LoanStatus.ACTIVE.value else 0
        self._partition(changes, loan, dossiers=-1, open_=-open_, balance=-loan["balance"])
        loan["branch"] = event.branch
        changes.put("dossiers", (event.originator_id,), loan)
        self._partition(changes, loan, dossiers=1, open_=open_, balance=loan["balance"])
        customer = self._customer(changes, loan["borrower_id"])
        if customer is not None and customer["branch"] == event.from_branch:
            self._count_customer(changes, event.from_branch, -1, customer["unreachable"])
            self._count_customer(changes, event.branch, 1, customer["unreachable"])
            changes.update("customers", (loan["borrower_id"],), branch=event.branch)

    @handle.register(LoanEvents.RepaymentRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        self._repaid(changes, event.originator_id, event.principal)

    @handle.register(LoanEvents.RepaymentCorrected)
    def _(self, event: Any, changes: Changes) -> None:
        principal, _interest, _penalty = repayment_change(event)
        self._repaid(changes, event.originator_id, principal)

    @handle.register(LoanEvents.MasterDataChanged)
    def _(self, event: Any, changes: Changes) -> None:
        """A new amount the core system reports moves the balance by as much."""
        if "principal" not in event.changes:
            return
        old, new = (Decimal(v) for v in event.changes["principal"])
        self._repaid(changes, event.originator_id, old - new)
        changes.update("dossiers", (event.originator_id,), principal=new)

    def _repaid(self, changes: Changes, loan_id: Any, principal: Decimal) -> None:
        """The loan's balance is less by ``principal`` (negative: more)."""
        loan = changes.get("dossiers", loan_id)
        if loan is None or not principal:
            return
        changes.update("dossiers", (loan_id,), balance=loan["balance"] - principal)
        self._partition(changes, loan, dossiers=0, open_=0, balance=-principal)
        customer = self._customer(changes, loan["borrower_id"])
        if customer is not None:
            changes.update(
                "customers",
                (loan["borrower_id"],),
                balance=customer["balance"] - principal,
            )

    def _closed(self, event: Any, changes: Changes, status: LoanStatus) -> None:
        loan = changes.get("dossiers", event.originator_id)
        if loan is None or loan["status"] != LoanStatus.ACTIVE.value:
            return
        left = loan["balance"]
        changes.update("dossiers", (event.originator_id,), status=status.value, balance=ZERO)
        self._partition(changes, loan, dossiers=0, open_=-1, balance=-left)
        customer = self._customer(changes, loan["borrower_id"])
        if customer is not None:
            changes.update(
                "customers",
                (loan["borrower_id"],),
                open_loans=customer["open_loans"] - 1,
                balance=customer["balance"] - left,
            )

    @handle.register(LoanEvents.Settled)
    def _(self, event: Any, changes: Changes) -> None:
        self._closed(event, changes, LoanStatus.SETTLED)

    @handle.register(LoanEvents.WrittenOff)
    def _(self, event: Any, changes: Changes) -> None:
        self._closed(event, changes, LoanStatus.WRITTEN_OFF)

    @handle.register(LoanEvents.BorrowerInformationChanged)
    def _(self, event: Any, changes: Changes) -> None:
        """A change of the address or phone counts as a contact update of the loan's unit, its
        timeliness the days from its effective date to its recording."""
        if not any(c["field"] in CONTACT_FIELDS for c in event.changes):
            return
        loan = changes.get("dossiers", event.originator_id)
        if loan is None:
            return
        days = (recorded_on(event.timestamp, self.zone) - event.changed_on).days
        self._updated(changes, loan["branch"], max(days, 0))

    def _updated(self, changes: Changes, branch: str, days: int) -> None:
        row = self._quality(changes, branch)
        row["updates"] += 1
        row["update_days"] += days
        row["average_update_days"] = _average(row["update_days"], row["updates"])
        row["latest_update_days"] = days
        changes.put("contact_quality", (branch,), row)

    # ------------------------------------------------------------------ dossiers
    @handle.register(DossierEvents.Catalogued)
    def _(self, event: Any, changes: Changes) -> None:
        found = changes.get("dossier_ids", event.originator_id)
        if found is None or changes.get("dossiers", found["loan_id"]) is None:
            return
        changes.update(
            "dossiers",
            (found["loan_id"],),
            reference_code=event.reference_code,
            catalogued_on=event.catalogued_on,
        )

    # ------------------------------------------------------------------ 管户
    @handle.register(StaffEvents.CustomerAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        customer = self._customer(changes, event.borrower_id)
        if customer is None:
            customer = self._blank_customer(
                borrower_name=event.borrower_name,
                borrower_type=event.borrower_type.value,
                branch=event.branch,
            )
            self._count_customer(changes, event.branch, 1, False)
        customer |= {"manager_id": event.originator_id, "tier": event.tier}
        customer["group_name"] = event.group
        changes.put("customers", (event.borrower_id,), customer)

    @handle.register(StaffEvents.CustomerReleased)
    def _(self, event: Any, changes: Changes) -> None:
        customer = self._customer(changes, event.borrower_id)
        if customer is not None and customer["manager_id"] == event.originator_id:
            changes.update("customers", (event.borrower_id,), manager_id=None)

    # ------------------------------------------------------------------ the customer file
    @handle.register(CustomerEvents.Opened)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put("customer_ids", (event.originator_id,), {"borrower_id": event.borrower_id})

    def _file(self, event: Any, changes: Changes) -> tuple[str, dict[str, Any]] | None:
        borrower_id = self._borrower_of(changes, event.originator_id)
        if borrower_id is None:
            return None
        customer = self._customer(changes, borrower_id)
        return None if customer is None else (borrower_id, customer)

    @handle.register(CustomerEvents.ManagingBranchSet)
    def _(self, event: Any, changes: Changes) -> None:
        found = self._file(event, changes)
        if found is not None:
            changes.update(
                "customers",
                (found[0],),
                managing_branch=event.branch,
                managing_level=event.level,
                managing_set_on=event.set_on,
            )

    @handle.register(CustomerEvents.RhythmRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        found = self._file(event, changes)
        if found is not None:
            rhythm = OperatingRhythm(
                tuple(event.months), event.from_day, event.to_day, event.call_window, event.note
            )
            changes.update("customers", (found[0],), rhythm=rhythm.describe())

    @handle.register(CustomerEvents.Attempted)
    def _(self, event: Any, changes: Changes) -> None:
        found = self._file(event, changes)
        if found is None:
            return
        borrower_id, customer = found
        values: dict[str, Any] = {
            "attempts": customer["attempts"] + 1,
            "reached": customer["reached"] + (1 if event.reached else 0),
        }
        if event.reached:
            values["last_reached_on"] = event.attempted_on
        changes.update("customers", (borrower_id,), **values)
        row = self._quality(changes, customer["branch"])
        row["attempts"] += 1
        row["reached"] += 1 if event.reached else 0
        row["accuracy"] = _percent(row["reached"], row["attempts"])
        changes.put("contact_quality", (customer["branch"],), row)

    @handle.register(CustomerEvents.MarkedUnreachable)
    def _(self, event: Any, changes: Changes) -> None:
        found = self._file(event, changes)
        if found is None or found[1]["unreachable"]:
            return
        borrower_id, customer = found
        changes.update("customers", (borrower_id,), unreachable=True, unreachable_since=event.since)
        row = self._quality(changes, customer["branch"])
        row["unreachable"] += 1
        changes.put("contact_quality", (customer["branch"],), row)

    @handle.register(CustomerEvents.ContactVerified)
    def _(self, event: Any, changes: Changes) -> None:
        found = self._file(event, changes)
        if found is None:
            return
        borrower_id, customer = found
        was = bool(customer["unreachable"])
        changes.update(
            "customers",
            (borrower_id,),
            unreachable=False,
            unreachable_since=None,
            contact_verified_on=event.verified_on,
            last_reached_on=event.verified_on,
        )
        row = self._quality(changes, customer["branch"])
        if was:
            row["unreachable"] -= 1
            row["restored"] += 1
        changes.put("contact_quality", (customer["branch"],), row)
        days = (recorded_on(event.timestamp, self.zone) - event.learned_on).days
        self._updated(changes, customer["branch"], max(days, 0))

"""Valid requests for the fuzzing run's examples phase, made true on the served demo.

Random data rarely makes a command valid: it names no real loan, person or record, and its
dates break the workflow. So before schemathesis runs, :func:`prepare` puts the demo into the
states the commands need — as the demo's own people, over HTTP — on loans of its own
(``FZ…``, disbursed a few weeks before today, so the dates hold whenever the test runs), and
returns one valid request per operation. The run sends each as an OpenAPI example, as every
role; the role that may do it gets a 2xx, the others the documented refusal.

Each command gets records of its own (its own loan, collateral, borrowing …), so that no
example undoes what another needs, whatever the order. The people who set things up are
others than those the run signs in as (see :data:`RUNNERS`), where a rule keeps duties apart.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from archive.feed.batch import LOANS
from archive.feed.writing import write_batch, zip_batch
from tests.factories import answered, make_pdf

PREFIX = "/api/v1"

RUNNERS: Mapping[str, str] = {
    "administrator": "0941",
    "account_manager": "0202",
    "post_loan_officer": "0205",
    "reviewer": "0204",
    "branch_head": "0201",
    "risk_manager": "0901",
    "archivist": "0911",
    "archive_head": "0912",
    "compliance": "0921",
    "auditor": "0931",
}
"""The person the run signs in as, per role: the 城东支行 crew and head-office staff."""

AM2, RM2, ARCHIVIST2, AUDITOR2 = "0203", "0902", "0913", "0932"
"""Second people of a role, for steps that must be someone else's."""


def credentials(path: Path) -> dict[str, str]:
    """Staff number → bearer token, from the demo's credentials file."""
    tokens = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        staff_no, _name, _role, token, *_password = line.split("\t")
        tokens[staff_no] = token
    return tokens


class SetupFailed(AssertionError):
    """Raised when the demo refuses a step that makes a state an example needs."""


@dataclass
class Example:
    """One valid request: the path's parameters, the query and the JSON body."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None


class Bank:
    """The served demo, signed in as any of its people."""

    def __init__(
        self, base_url: str, tokens: Mapping[str, str], client: httpx.Client | None = None
    ) -> None:
        """Over HTTP to ``base_url``, or through ``client`` (an in-process test client whose
        base URL ends in the API's prefix)."""
        self.client = client or httpx.Client(base_url=base_url + PREFIX, timeout=120)
        self.tokens = tokens

    def _headers(self, staff_no: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[staff_no]}"}

    def post(self, staff_no: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.client.post(path, json=body or {}, headers=self._headers(staff_no))
        if answer.status_code >= 300:
            raise SetupFailed(f"POST {path} as {staff_no}: {answer.status_code} {answer.text}")
        content_type = answer.headers.get("content-type", "")
        return answer.json() if content_type.startswith("application/json") else answer

    def upload(self, staff_no: str, path: str, body: dict[str, Any], doc_type: str) -> Any:
        """``body`` posted with one small PDF of ``doc_type`` attached."""
        document = (f"{doc_type}.pdf", make_pdf(doc_type), "application/pdf")
        answer = self.client.post(
            path,
            data={"data": json.dumps(body, ensure_ascii=False)},
            files=[(doc_type, document)],
            headers=self._headers(staff_no),
        )
        if answer.status_code >= 300:
            raise SetupFailed(f"POST {path} as {staff_no}: {answer.status_code} {answer.text}")
        return answer.json()

    def get(self, staff_no: str, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params, headers=self._headers(staff_no))
        if answer.status_code >= 300:
            raise SetupFailed(f"GET {path} as {staff_no}: {answer.status_code} {answer.text}")
        return answer.json()

    def close(self) -> None:
        self.client.close()


class Scenario:
    """Builds the states and collects the examples (``examples[(METHOD, path)]``)."""

    def __init__(self, bank: Bank, today: date) -> None:
        self.bank = bank
        # A day before today: business dates may not lie in the future, whatever the zone.
        self.day = today - timedelta(days=1)
        self.value_date = today - timedelta(days=365)
        self.examples: dict[tuple[str, str], Example] = {}
        self.loans = 0
        self.demo_loans: list[tuple[str, list[dict[str, Any]]]] = []
        self.parameters: dict[str, Any] = {}
        """Values for parameters of every operation without an example of its own, by name."""

    STEPS = (
        "demo",
        "lending",
        "responsibility",
        "collateral",
        "borrowing",
        "archive_office",
        "retention",
        "integrity",
        "staff",
        "scope",
        "information",
        "watch",
        "supervision",
        "feedback",
        "partners",
        "zones",
        "guanhu",
        "papers",
        "monitoring",
        "customers",
        "risk_control",
        "feed",
        "reads",
    )
    """The steps that build the states, in the order they must run."""

    def run(self, through: str = STEPS[-1]) -> None:
        """Run the steps in order, up to and including ``through`` (all of them by default)."""
        for name in self.STEPS[: self.STEPS.index(through) + 1]:
            getattr(self, name)()

    def on(self, days_after_value: int) -> str:
        """A business date during the setup: the value date plus some days."""
        return (self.value_date + timedelta(days=days_after_value)).isoformat()

    @property
    def today(self) -> str:
        return self.day.isoformat()

    def example(self, method: str, path: str, example: Example) -> None:
        self.examples[(method, PREFIX + path)] = example

    def loan(self, **overrides: Any) -> str:
        """A fresh loan of 城东支行, disbursed by its account manager 0202."""
        self.loans += 1
        loan_no = f"FZ{self.value_date:%Y}{self.loans:06d}"
        body = {
            "loan_no": loan_no,
            "borrower_id": f"91330100FZ{self.loans:06d}X",
            "borrower_name": f"模糊测试示例{self.loans}号有限公司",
            "borrower_type": "corporate",
            "borrower_rating": "A",
            "product": "corporate_working_capital",
            "principal": "500000.00",
            "interest_rate": "4.35%",
            "value_date": self.value_date.isoformat(),
            "maturity_date": (self.value_date + timedelta(days=730)).isoformat(),
            "repayment_method": "instalment",
            "guarantee_type": "mortgage",
            "branch": "城东支行",
            "purpose": "购买原材料",
            **overrides,
        }
        self.bank.post(RUNNERS["account_manager"], "/loans", body)
        return loan_no

    def overdue(self, loan_no: str, days: int, on: int) -> None:
        self.bank.post(
            RUNNERS["post_loan_officer"],
            f"/loans/{loan_no}/overdue-status",
            {
                "as_of": self.on(on),
                "days_overdue": days,
                "overdue_principal": "10000.00",
                "overdue_interest": "500.00",
            },
        )

    def demo(self) -> None:
        """The demo's loans whose dossiers hold documents, each with its documents."""
        auditor = RUNNERS["auditor"]
        for loan in self.bank.get(auditor, "/loans", limit=200)["data"]:
            dossier = self.bank.get(auditor, f"/loans/{loan['loan_no']}/dossier")
            documents = [d for d in dossier["documents"] if d["doc_type"] != "borrow_slip"]
            if any(d["media_type"] == "application/pdf" for d in documents):
                self.demo_loans.append((loan["loan_no"], documents))
        if len(self.demo_loans) < 8:
            raise SetupFailed(f"the demo has {len(self.demo_loans)} dossiers with documents")
        self.read_loan = self.demo_loans.pop()

    def dossier(self) -> tuple[str, dict[str, int]]:
        """A demo dossier of its own, and its documents' page counts."""
        loan_no, documents = self.demo_loans.pop()
        return loan_no, {d["sha256"]: d["pages"] or 1 for d in documents}

    # ------------------------------------------------------------------ the loan's life
    def lending(self) -> None:
        am, plo = RUNNERS["account_manager"], RUNNERS["post_loan_officer"]
        reviewer, head, risk = RUNNERS["reviewer"], RUNNERS["branch_head"], RUNNERS["risk_manager"]
        self.example(
            "POST",
            "/loans",
            Example(
                body={
                    "loan_no": f"FZ{self.value_date:%Y}900001",
                    "borrower_id": "91330100FZ900001X",
                    "borrower_name": "模糊测试新贷款有限公司",
                    "borrower_type": "corporate",
                    "borrower_rating": "A",
                    "product": "corporate_working_capital",
                    "principal": "300000.00",
                    "interest_rate": "4.35%",
                    "value_date": self.today,
                    "maturity_date": (self.day + timedelta(days=365)).isoformat(),
                    "repayment_method": "instalment",
                    "guarantee_type": "guarantee",
                    "branch": "城东支行",
                    "purpose": "补充流动资金",
                }
            ),
        )
        loan = self.loan()
        self.example(
            "POST",
            "/loans/{loan_no}/repayments",
            Example(
                {"loan_no": loan},
                body={"paid_on": self.today, "principal": "10000.00", "interest": "1800.00"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/overdue-status",
            Example(
                {"loan_no": self.loan()},
                body={
                    "as_of": self.today,
                    "days_overdue": 5,
                    "overdue_principal": "10000.00",
                    "overdue_interest": "300.00",
                },
            ),
        )
        repaid = self.loan(principal="20000.00")
        self.bank.post(
            am,
            f"/loans/{repaid}/repayments",
            {"paid_on": self.on(30), "principal": "20000.00", "interest": "300.00"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/settlement",
            Example({"loan_no": repaid}, body={"settled_on": self.today}),
        )
        inspected = self.loan()
        self.example(
            "POST",
            "/loans/{loan_no}/inspections",
            Example(
                {"loan_no": inspected},
                body={
                    "kind": "routine",
                    "inspected_on": self.today,
                    "reviewer_no": reviewer,
                    "findings": "企业经营正常，资金按约定用途使用",
                    **answered("corporate"),
                },
            ),
        )
        corrected = self.loan()
        inspection = self.bank.post(
            am,
            f"/loans/{corrected}/inspections",
            {
                "kind": "first_follow_up",
                "inspected_on": self.on(10),
                "reviewer_no": reviewer,
                "findings": "首次跟踪检查：经营正常",
                **answered("corporate"),
            },
        )["ids"]["inspection_id"]
        self.example(
            "POST",
            "/loans/{loan_no}/inspections/{inspection_id}/corrections",
            Example(
                {"loan_no": corrected, "inspection_id": inspection},
                body={"findings": "首次跟踪检查：经营正常，库存略增", "reason": "补记库存情况"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/inspections/{inspection_id}/countersign",
            Example(
                {"loan_no": corrected, "inspection_id": inspection},
                body={"opinion": "同意检查结论", "countersigned_on": self.on(11)},
            ),
        )
        proposal = {"grade": "special_mention", "reason": "本金逾期", "as_of": self.on(40)}
        downgraded = self.loan()
        self.overdue(downgraded, 35, on=39)
        self.example(
            "POST",
            "/loans/{loan_no}/classifications",
            Example({"loan_no": downgraded}, body={**proposal, "as_of": self.today}),
        )
        bodies = {
            "determine": {"grade": "special_mention", "reason": "认定为关注"},
            "approve": {"reason": "同意"},
            "reject": {"reason": "依据不足"},
        }
        for verb, body in bodies.items():
            proposed = self.loan()
            self.overdue(proposed, 35, on=39)
            proposal_id = self.bank.post(am, f"/loans/{proposed}/classifications", proposal)["ids"][
                "proposal_id"
            ]
            if verb == "approve":  # 认定 first, as the rules in force require
                self.bank.post(
                    RUNNERS["branch_head"],
                    f"/loans/{proposed}/classifications/{proposal_id}/determine",
                    bodies["determine"],
                )
            self.example(
                "POST",
                f"/loans/{{loan_no}}/classifications/{{proposal_id}}/{verb}",
                Example({"loan_no": proposed, "proposal_id": proposal_id}, body=body),
            )
        warning = {"code": "FIN-03", "raised_on": self.on(20), "reason": "销售收入较上期下降四成"}
        self.example(
            "POST",
            "/loans/{loan_no}/warnings",
            Example({"loan_no": self.loan()}, body={**warning, "raised_on": self.today}),
        )
        warned = self.loan()
        handled = self.bank.post(plo, f"/loans/{warned}/warnings", warning)["ids"]["signal_id"]
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/handle",
            Example(
                {"loan_no": warned, "signal_id": handled},
                body={"handled_on": self.today, "measures": "约谈企业负责人，压缩授信"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/report",
            Example({"loan_no": warned, "signal_id": handled}, body={"reported_on": self.today}),
        )

        def raised_and_handled(code: str, *, fed_back: bool, determined: bool) -> str:
            signal = self.bank.post(plo, f"/loans/{warned}/warnings", {**warning, "code": code})[
                "ids"
            ]["signal_id"]
            at = f"/loans/{warned}/warnings/{signal}"
            self.bank.post(
                risk, f"{at}/handle", {"handled_on": self.on(25), "measures": "追加保证人"}
            )
            if fed_back:
                self.bank.post(
                    plo, f"{at}/feedback", {"feedback_on": self.on(26), "result": "保证人已签约"}
                )
            if determined:
                self.bank.post(
                    reviewer,
                    f"{at}/determine",
                    {"determined_on": self.on(27), "confirmed": False, "opinion": "风险已化解"},
                )
            return signal

        fed = raised_and_handled("EXT-04", fed_back=False, determined=False)
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/feedback",
            Example(
                {"loan_no": warned, "signal_id": fed},
                body={"feedback_on": self.today, "result": "压缩授信后资金周转正常"},
            ),
        )
        determined = raised_and_handled("FIN-04", fed_back=True, determined=False)
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/determine",
            Example(
                {"loan_no": warned, "signal_id": determined},
                body={"determined_on": self.today, "confirmed": True, "opinion": "风险属实"},
            ),
        )
        cleared = raised_and_handled("FIN-07", fed_back=True, determined=True)
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/clear",
            Example(
                {"loan_no": warned, "signal_id": cleared},
                body={"cleared_on": self.today, "reason": "保证人已签约"},
            ),
        )
        red = {**warning, "code": "FIN-05"}
        planned = self.bank.post(plo, f"/loans/{warned}/warnings", red)["ids"]["signal_id"]
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/emergency-plan",
            Example(
                {"loan_no": warned, "signal_id": planned},
                body={
                    "started_on": self.today,
                    "measures": "冻结授信额度，追加抵押",
                    "owner_no": am,
                    "due_on": self.today,
                },
            ),
        )
        progressing = self.bank.post(plo, f"/loans/{warned}/warnings", {**red, "code": "FIN-06"})[
            "ids"
        ]["signal_id"]
        self.bank.post(
            risk,
            f"/loans/{warned}/warnings/{progressing}/emergency-plan",
            {
                "started_on": self.on(20),
                "measures": "约见实际控制人",
                "owner_no": am,
                "due_on": self.on(40),
            },
        )
        self.example(
            "POST",
            "/loans/{loan_no}/warnings/{signal_id}/emergency-plan/progress",
            Example(
                {"loan_no": warned, "signal_id": progressing},
                body={"progress_on": self.today, "progress": "已冻结授信额度"},
            ),
        )
        late = self.loan()
        self.overdue(late, 20, on=40)
        self.example(
            "POST",
            "/loans/{loan_no}/collection-steps",
            Example(
                {"loan_no": late},
                body={
                    "kind": "phone_call",
                    "taken_on": self.today,
                    "days_overdue": 20,
                    "outcome": "借款人承诺月底还款",
                },
            ),
        )
        troubled = self.loan()
        self.overdue(troubled, 40, on=45)
        self.example(
            "POST",
            "/loans/{loan_no}/restructurings",
            Example(
                {"loan_no": troubled},
                body={
                    "restructured_on": self.today,
                    "new_maturity_date": (self.day + timedelta(days=720)).isoformat(),
                    "new_interest_rate": "4.10%",
                    "terms": "延长期限并按月等额还本",
                    "reason": "借款人经营暂时困难但仍有还款意愿",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/extensions",
            Example(
                {"loan_no": self.loan()},
                body={
                    "approved_on": self.today,
                    "new_maturity_date": (self.value_date + timedelta(days=900)).isoformat(),
                    "reason": "项目回款周期延长",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/handovers",
            Example(
                {"loan_no": self.loan()},
                body={"handed_over_on": self.today, "receiving_no": AM2, "reason": "岗位调整"},
            ),
        )
        bad = self.non_performing()
        self.example(
            "POST",
            "/loans/{loan_no}/asset-preservation",
            Example(
                {"loan_no": bad}, body={"transferred_on": self.today, "reason": "逾期超过90天"}
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/asset-preservation/return",
            Example(
                {"loan_no": bad}, body={"returned_on": self.today, "reason": "已上调，退回客户部"}
            ),
        )
        # 三个不放过: the loan has had no loss (次级 is none), so these are refused, not 5xx.
        findings = {
            "analysed_on": self.today,
            "cause": "担保人失联",
            "responsible": [RUNNERS["account_manager"]],
            "measures": "起诉保证人",
            "measures_owner": RUNNERS["post_loan_officer"],
        }
        self.example(
            "POST",
            "/loans/{loan_no}/loss-reviews",
            Example(
                {"loan_no": bad},
                body={**findings, "loss": "downgrade", "loss_on": self.today},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/loss-reviews/{review_id}",
            Example({"loan_no": bad, "review_id": str(uuid4())}, body=findings),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/loss-reviews/{review_id}/closure",
            Example(
                {"loan_no": bad, "review_id": str(uuid4())},
                body={"closed_on": self.today, "opinion": "三个不放过已落实"},
            ),
        )
        plan = {"method": "litigation", "submitted_on": self.today, "plan": "起诉借款人"}
        self.example(
            "POST",
            "/loans/{loan_no}/disposal-plans",
            Example({"loan_no": bad}, body={**plan, "expected_recovery": "100000.00"}),
        )
        submitted = self.bank.post(RUNNERS["account_manager"], f"/loans/{bad}/disposal-plans", plan)
        self.example(
            "POST",
            "/loans/{loan_no}/disposal-plans/{plan_id}/decision",
            Example(
                {"loan_no": bad, "plan_id": submitted["ids"]["plan_id"]},
                body={"decided_on": self.today, "approved": True, "opinion": "同意起诉"},
            ),
        )
        approved = self.bank.post(RUNNERS["account_manager"], f"/loans/{bad}/disposal-plans", plan)
        self.bank.post(
            RUNNERS["branch_head"],
            f"/loans/{bad}/disposal-plans/{approved['ids']['plan_id']}/decision",
            {"decided_on": self.today, "approved": True, "opinion": "同意起诉"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/disposal-plans/{plan_id}/result",
            Example(
                {"loan_no": bad, "plan_id": approved["ids"]["plan_id"]},
                body={"executed_on": self.today, "recovered": "30000.00", "result": "调解结案"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/objections",
            Example(
                {"loan_no": self.loan()},
                body={"subject": "检查记录", "text": "检查日期与实际不符，请核实"},
            ),
        )
        del head

    def non_performing(self) -> str:
        """A loan 120 days overdue, downgraded to substandard (次级) by 0202, 0201 (认定) and
        0902."""
        loan_no = self.loan()
        self.overdue(loan_no, 120, on=200)
        proposal = self.bank.post(
            RUNNERS["account_manager"],
            f"/loans/{loan_no}/classifications",
            {"grade": "substandard", "reason": "逾期超过90天", "as_of": self.on(201)},
        )["ids"]["proposal_id"]
        self.bank.post(
            RUNNERS["branch_head"],
            f"/loans/{loan_no}/classifications/{proposal}/determine",
            {"grade": "substandard", "reason": "认定为次级"},
        )
        self.bank.post(
            RM2,
            f"/loans/{loan_no}/classifications/{proposal}/approve",
            {"reason": "同意下调为次级"},
        )
        return loan_no

    # ------------------------------------------------------------------ responsibility
    def responsibility(self) -> None:
        auditor, am = RUNNERS["auditor"], RUNNERS["account_manager"]
        determination = {
            "person_no": am,
            "stage": "post_loan",
            "finding": "main",
            "sanction": "通报批评",
            "reason": "贷后检查流于形式，未发现挪用",
        }
        self.example(
            "POST",
            "/loans/{loan_no}/responsibility",
            Example({"loan_no": self.non_performing()}, body=determination),
        )
        appealed = self.non_performing()
        found = self.bank.post(AUDITOR2, f"/loans/{appealed}/responsibility", determination)
        self.example(
            "POST",
            "/loans/{loan_no}/responsibility/{determination_id}/appeal",
            Example(
                {"loan_no": appealed, "determination_id": found["ids"]["determination_id"]},
                body={"reason": "检查时企业经营正常，挪用发生在检查之后"},
            ),
        )
        decided = self.non_performing()
        found = self.bank.post(
            AUDITOR2, f"/loans/{decided}/responsibility", {**determination, "person_no": AM2}
        )
        determination_id = found["ids"]["determination_id"]
        self.bank.post(
            AM2,
            f"/loans/{decided}/responsibility/{determination_id}/appeal",
            {"reason": "已按规定完成检查"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/responsibility/{determination_id}/decision",
            Example(
                {"loan_no": decided, "determination_id": determination_id},
                body={"outcome": "upheld", "reason": "复核维持原认定"},
            ),
        )
        # 认定程序: a finding filed with its 认定书 and signed off, the person to be notified.
        signed = self.non_performing()
        determination_id = self.bank.upload(
            AUDITOR2,
            f"/loans/{signed}/responsibility",
            determination,
            "responsibility_determination",
        )["ids"]["determination_id"]
        self.bank.post(
            RUNNERS["branch_head"],
            f"/loans/{signed}/responsibility/{determination_id}/steps",
            {"step": "signed_off", "taken_on": self.on(201), "note": "同意认定意见"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/responsibility/{determination_id}/steps",
            Example(
                {"loan_no": signed, "determination_id": determination_id},
                body={"step": "notified", "taken_on": self.on(201), "note": "已书面通知被认定人"},
            ),
        )
        del auditor

    # ------------------------------------------------------------------ collateral
    def collateral(self) -> None:
        am, archivist = RUNNERS["account_manager"], RUNNERS["archivist"]
        custodians = [archivist, ARCHIVIST2]
        loan_no = self.loan()
        numbers = iter(range(1, 100))

        def registered() -> str:
            number = f"YP{next(numbers):03d}"
            self.bank.post(am, f"/loans/{loan_no}/collateral", {**body, "collateral_no": number})
            return number

        body = {
            "collateral_no": "YP000",
            "kind": "real_estate",
            "description": "杭州市西湖区某路1号厂房",
            "owner_name": "模糊测试示例有限公司",
            "appraised_value": "800000.00",
            "appraised_on": self.on(0),
            "registration_no": "浙(2025)杭州市不动产证明第0000001号",
            "registered_on": self.on(2),
        }
        base = "/loans/{loan_no}/collateral"
        self.example(
            "POST", base, Example({"loan_no": loan_no}, body={**body, "collateral_no": "YP900"})
        )

        def example(action: str, number: str, payload: dict[str, Any]) -> None:
            self.example(
                "POST",
                f"{base}/{{collateral_no}}/{action}",
                Example({"loan_no": loan_no, "collateral_no": number}, body=payload),
            )

        lodging = {
            "certificate_no": "0012345",
            "lodged_on": self.on(5),
            "custodian_nos": custodians,
        }
        example("lodge", registered(), {**lodging, "lodged_on": self.today})
        out = registered()
        self.bank.post(archivist, f"{base.format(loan_no=loan_no)}/{out}/lodge", lodging)
        taking = {
            "taken_out_on": self.on(10),
            "purpose": "办理续贷抵押登记",
            "custodian_nos": custodians,
        }
        example("take-out", out, {**taking, "taken_out_on": self.today})
        back = registered()
        self.bank.post(archivist, f"{base.format(loan_no=loan_no)}/{back}/lodge", lodging)
        self.bank.post(archivist, f"{base.format(loan_no=loan_no)}/{back}/take-out", taking)
        example("return", back, {"returned_on": self.today, "custodian_nos": custodians})
        example("revalue", registered(), {"revalued_on": self.today, "value": "760000.00"})
        renewal = {
            "policy_no": "PICC-0001",
            "insurer": "中国人民财产保险",
            "expires_on": self.on(400),
        }
        example("insurance/renew", registered(), renewal)
        lapsing = registered()
        self.bank.post(am, f"{base.format(loan_no=loan_no)}/{lapsing}/insurance/renew", renewal)
        example("insurance/lapse", lapsing, {"lapsed_on": self.today})
        example("release", registered(), {"released_on": self.today, "reason": "借款人以存单置换"})
        self.collateral_read = (loan_no, registered())
        self.guarantees()

    def guarantees(self) -> None:
        """A guarantee registered (保证) and a guarantor re-assessed (代偿能力)."""
        am = RUNNERS["account_manager"]
        guarantee = {
            "guarantor_name": "模糊测试担保有限公司",
            "kind": "guarantee_company",
            "id_no": "91330100MA2F00001X",
            "amount": "500000.00",
            "contract_no": "BZ-FZ-0001",
            "registered_on": self.on(1),
            "rating": "AA",
        }
        self.example(
            "POST",
            "/loans/{loan_no}/guarantees",
            Example({"loan_no": self.loan()}, body={**guarantee, "registered_on": self.today}),
        )
        guaranteed = self.loan()
        found = self.bank.post(am, f"/loans/{guaranteed}/guarantees", guarantee)
        self.example(
            "POST",
            "/loans/{loan_no}/guarantees/{guarantee_id}/reassess",
            Example(
                {"loan_no": guaranteed, "guarantee_id": found["ids"]["guarantee_id"]},
                body={
                    "assessed_on": self.today,
                    "capacity": "adequate",
                    "rating": "AA",
                    "findings": "担保公司经营正常，代偿能力充足",
                },
            ),
        )

    # ------------------------------------------------------------------ borrowing (借阅)
    def borrowing(self) -> None:
        head = RUNNERS["archive_head"]
        archivist = RUNNERS["archivist"]
        request = {
            "purpose": "audit",
            "form": "original",
            "reason": "年度审计抽查原件",
            "requested_on": self.on(358),
            "due_on": (self.day + timedelta(days=30)).isoformat(),
        }
        path = "/loans/{loan_no}/dossier/borrowings"
        loan_no, _pages = self.dossier()
        self.example(
            "POST",
            path,
            Example({"loan_no": loan_no}, body={**request, "requested_on": self.today}),
        )

        def requested(**overrides: Any) -> tuple[str, dict[str, int]]:
            # An auditor asks: the demo's dossiers lie in every branch, and an audit reaches
            # them all (a post-loan officer reaches only their own branch's: 数据权限).
            loan_no, pages = self.dossier()
            answer = self.bank.post(
                AUDITOR2, path.format(loan_no=loan_no), {**request, **overrides}
            )
            return str(answer["aggregate_id"]), pages

        def example(action: str, borrowing_id: str, payload: dict[str, Any]) -> None:
            self.example(
                "POST",
                f"/borrowings/{{borrowing_id}}/{action}",
                Example({"borrowing_id": borrowing_id}, body=payload),
            )

        approval = {"archivist_no": archivist}
        approved, _ = requested()
        example("approve", approved, approval)
        rejected, _ = requested()
        example("reject", rejected, {"reason": "用途不明"})
        checked, pages = requested()
        self.bank.post(head, f"/borrowings/{checked}/approve", approval)
        example("check-out", checked, {"on": self.today, "pages": pages})
        returned, pages = requested()
        self.bank.post(head, f"/borrowings/{returned}/approve", {"archivist_no": ARCHIVIST2})
        counted = {"on": self.on(359), "pages": pages}
        self.bank.post(ARCHIVIST2, f"/borrowings/{returned}/check-out", counted)
        example("return", returned, {"on": self.today, "pages": pages})
        closed, pages = requested()
        self.bank.post(head, f"/borrowings/{closed}/approve", {"archivist_no": ARCHIVIST2})
        self.bank.post(ARCHIVIST2, f"/borrowings/{closed}/check-out", {**counted, "pages": pages})
        self.bank.post(
            ARCHIVIST2, f"/borrowings/{closed}/return", {"on": self.on(360), "pages": pages}
        )
        example("close", closed, {"closed_on": self.today})
        self.borrowing_id = closed
        copied, _ = requested(form="electronic_copy")
        self.bank.post(head, f"/borrowings/{copied}/approve", approval)
        example("electronic-copy", copied, {"issued_on": self.today})
        self.example("POST", "/borrowings/overdue-notices", Example(body={"on": self.today}))

    # ------------------------------------------------------------------ the archive office
    def archive_office(self) -> None:
        am, archivist = RUNNERS["account_manager"], RUNNERS["archivist"]
        items = [
            {"doc_type": "loan_contract", "title": "借款合同", "pages": 6},
            {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 4},
        ]
        transfer = {"kind": "originals", "items": items, "listed_on": self.on(20)}
        dossier = "/loans/{loan_no}/dossier"
        self.example(
            "POST",
            f"{dossier}/transfers",
            Example({"loan_no": self.loan()}, body={**transfer, "listed_on": self.today}),
        )

        def listed(loan_no: str) -> str:
            answer = self.bank.post(am, f"/loans/{loan_no}/dossier/transfers", transfer)
            return str(answer["ids"]["transfer_id"])

        checks = [
            {"item_no": 1, "condition": "present", "pages_counted": 6},
            {"item_no": 2, "condition": "damaged", "pages_counted": 4, "note": "水渍"},
        ]
        receiving = self.loan()
        self.example(
            "POST",
            f"{dossier}/transfers/{{transfer_id}}/receive",
            Example(
                {"loan_no": receiving, "transfer_id": listed(receiving)},
                body={"checks": checks, "received_on": self.today},
            ),
        )
        damaged = self.loan()
        receipt = {"checks": checks, "received_on": self.on(21)}
        received = self.bank.post(
            archivist, f"/loans/{damaged}/dossier/transfers/{listed(damaged)}/receive", receipt
        )
        self.example(
            "POST",
            f"{dossier}/defects/{{defect_id}}/clear",
            Example(
                {"loan_no": damaged, "defect_id": received["ids"]["defect:2"]},
                body={"cleared_on": self.today, "note": "已修复"},
            ),
        )
        shelved = self.loan()
        self.bank.post(
            archivist, f"/loans/{shelved}/dossier/transfers/{listed(shelved)}/receive", receipt
        )
        self.example(
            "POST",
            f"{dossier}/catalogue",
            Example(
                {"loan_no": shelved},
                body={"shelf_location": "2-03-05-2", "catalogued_on": self.today},
            ),
        )
        hold = {
            "kind": "litigation",
            "reason": "借款人涉诉",
            "reference": "(2025)浙0102民初9号",
            "placed_on": self.on(100),
        }
        self.example(
            "POST",
            f"{dossier}/holds",
            Example({"loan_no": self.loan()}, body={**hold, "placed_on": self.today}),
        )
        held = self.loan()
        hold_id = self.bank.post(AUDITOR2, f"/loans/{held}/dossier/holds", hold)["ids"]["hold_id"]
        self.example(
            "POST",
            f"{dossier}/holds/{{hold_id}}/release",
            Example(
                {"loan_no": held, "hold_id": hold_id},
                body={"reason": "已结案", "released_on": self.today},
            ),
        )
        self.example("POST", f"{dossier}/fixity-checks", Example({"loan_no": self.loan()}))

    # ------------------------------------------------------------------ retention and destruction
    def expired(self) -> str:
        """A loan settled in 1991 whose dossier is catalogued: its 30 years ended in 2021."""
        am, archivist = RUNNERS["account_manager"], RUNNERS["archivist"]
        loan_no = self.loan(
            value_date="1990-03-01", maturity_date="1991-03-01", principal="100000.00"
        )
        self.bank.post(
            am,
            f"/loans/{loan_no}/repayments",
            {"paid_on": "1991-03-01", "principal": "100000.00", "interest": "4350.00"},
        )
        self.bank.post(am, f"/loans/{loan_no}/settlement", {"settled_on": "1991-03-01"})
        listed = self.bank.post(
            am,
            f"/loans/{loan_no}/dossier/transfers",
            {
                "kind": "full",
                "items": [{"doc_type": "loan_contract", "title": "借款合同", "pages": 6}],
                "listed_on": "1991-03-05",
            },
        )
        self.bank.post(
            archivist,
            f"/loans/{loan_no}/dossier/transfers/{listed['ids']['transfer_id']}/receive",
            {
                "checks": [{"item_no": 1, "condition": "present", "pages_counted": 6}],
                "received_on": "1991-03-06",
            },
        )
        self.bank.post(
            archivist,
            f"/loans/{loan_no}/dossier/catalogue",
            {"shelf_location": "1-01-01-1", "catalogued_on": "1991-03-07"},
        )
        return loan_no

    def appraised(self, opinion: str) -> tuple[str, str]:
        """An expired dossier, appraised by the archive head; its appraisal id."""
        head = RUNNERS["archive_head"]
        loan_no = self.expired()
        appraisal_id = self.opened(loan_no)
        self.bank.post(
            head,
            f"/loans/{loan_no}/dossier/appraisals/{appraisal_id}/decide",
            {"opinion": opinion, "text": "已无保存价值", "decided_on": self.ago(28)},
        )
        return loan_no, appraisal_id

    def opened(self, loan_no: str) -> str:
        answer = self.bank.post(
            RUNNERS["archive_head"],
            f"/loans/{loan_no}/dossier/appraisals",
            {"opened_on": self.ago(30), "group_nos": [ARCHIVIST2, AUDITOR2]},
        )
        return str(answer["ids"]["appraisal_id"])

    def ago(self, days: int) -> str:
        return (self.day - timedelta(days=days)).isoformat()

    def retention(self) -> None:
        head, branch_head = RUNNERS["archive_head"], RUNNERS["branch_head"]
        dossier = "/loans/{loan_no}/dossier"
        self.example(
            "POST",
            f"{dossier}/appraisals",
            Example(
                {"loan_no": self.expired()},
                body={"opened_on": self.today, "group_nos": [ARCHIVIST2, AUDITOR2]},
            ),
        )
        deciding = self.expired()
        self.example(
            "POST",
            f"{dossier}/appraisals/{{appraisal_id}}/decide",
            Example(
                {"loan_no": deciding, "appraisal_id": self.opened(deciding)},
                body={"opinion": "destroy", "text": "已无保存价值", "decided_on": self.today},
            ),
        )
        kept, appraisal_id = self.appraised("extend")
        self.example(
            "POST",
            f"{dossier}/retention/extend",
            Example(
                {"loan_no": kept},
                body={
                    "ends_on": (self.day + timedelta(days=3650)).isoformat(),
                    "reason": "仍在追偿，延长保管",
                    "extended_on": self.today,
                    "appraisal_id": appraisal_id,
                },
            ),
        )
        batches = "/destruction-batches"
        destroyed, _ = self.appraised("destroy")
        self.example(
            "POST",
            batches,
            Example(body={"loan_nos": [destroyed], "proposed_on": self.today}),
        )

        def proposed() -> str:
            loan_no, _ = self.appraised("destroy")
            answer = self.bank.post(
                head, batches, {"loan_nos": [loan_no], "proposed_on": self.ago(20)}
            )
            return str(answer["ids"]["batch_id"])

        approval = {"approved_on": self.ago(10)}
        batch = proposed()
        self.example(
            "POST",
            f"{batches}/{{batch_id}}/approve",
            Example({"batch_id": batch}, body={"approved_on": self.today}),
        )
        batch = proposed()
        self.bank.post(branch_head, f"{batches}/{batch}/approve", approval)
        self.example(
            "POST",
            f"{batches}/{{batch_id}}/compliance-approve",
            Example({"batch_id": batch}, body={"approved_on": self.today}),
        )
        batch = proposed()
        self.bank.post(branch_head, f"{batches}/{batch}/approve", approval)
        self.bank.post(RUNNERS["compliance"], f"{batches}/{batch}/compliance-approve", approval)
        self.example(
            "POST",
            f"{batches}/{{batch_id}}/execute",
            Example(
                {"batch_id": batch},
                body={
                    "supervisor_nos": [AUDITOR2, RM2],
                    "it_supervisor_no": RUNNERS["administrator"],
                    "method": "密钥销毁、删除电子文件；纸质碎纸",
                },
            ),
        )
        self.batch_id = batch

    # ------------------------------------------------------------------ integrity, reports, staff
    def integrity(self) -> None:
        auditor = RUNNERS["auditor"]
        self.example(
            "POST",
            "/loans/{loan_no}/audit-bundles",
            Example({"loan_no": self.loan()}, body={"purpose": "内部审计抽查"}),
        )
        self.example("POST", "/integrity/verifications", Example(body={"documents": False}))
        run = self.bank.post(AUDITOR2, "/integrity/verifications", {"documents": False})
        self.parameters["run_id"] = run["run_id"]
        self.bank.post(auditor, "/integrity/checkpoints")
        sizes = sorted(
            c["tree_size"] for c in self.bank.get(auditor, "/integrity/checkpoints")["data"]
        )
        if len(sizes) < 2:
            raise SetupFailed(f"the demo has {len(sizes)} signed checkpoints, not two")
        self.parameters |= {"tree_size": sizes[-1], "first": sizes[0], "second": sizes[-1]}
        self.parameters["position"] = 1
        self.example(
            "POST",
            "/reports/compliance",
            Example(body={"purpose": "监管检查报送", "format": "xlsx"}),
        )
        issued = self.bank.post(
            RUNNERS["compliance"], "/reports/compliance", {"purpose": "季度检查"}
        )
        self.example(
            "GET",
            "/reports/compliance/issued/{report_id}",
            Example({"report_id": issued.headers["X-Dossier-Report-Id"]}),
        )
        quarterly = {"purpose": "季度风险监测", "on": self.today}
        self.example("POST", "/reports/risk", Example(body={**quarterly, "format": "xlsx"}))
        risk = self.bank.post(RUNNERS["risk_manager"], "/reports/risk", quarterly)
        self.example(
            "GET",
            "/reports/risk/issued/{report_id}",
            Example({"report_id": risk.headers["X-Dossier-Report-Id"]}),
        )

    def staff(self) -> None:
        admin = RUNNERS["administrator"]

        def enrolled(staff_no: str, roles: list[str]) -> str:
            self.bank.post(
                admin,
                "/staff",
                {
                    "staff_no": staff_no,
                    "name": "模糊测试员工",
                    "branch": "城东支行",
                    "roles": roles,
                },
            )
            return staff_no

        self.example(
            "POST",
            "/staff",
            Example(
                body={
                    "staff_no": "FZ0001",
                    "name": "新入职员工",
                    "branch": "城东支行",
                    "roles": ["account_manager"],
                }
            ),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/roles",
            Example({"staff_no": enrolled("FZ0002", [])}, body={"role": "reviewer"}),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/roles/{role}/revoke",
            Example(
                {"staff_no": enrolled("FZ0003", ["auditor"]), "role": "auditor"},
                body={"reason": "调离审计岗位"},
            ),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/tokens",
            Example(
                {"staff_no": enrolled("FZ0004", [])},
                body={"name": "核心系统日终文件", "valid_days": 30},
            ),
        )
        holder = enrolled("FZ0007", ["auditor"])
        spare = self.bank.post(admin, f"/staff/{holder}/tokens", {"name": "备用"})
        self.example(
            "POST",
            "/staff/{staff_no}/tokens/{token_id}/revoke",
            Example(
                {"staff_no": holder, "token_id": spare["token_id"]},
                body={"reason": "审计项目结束"},
            ),
        )
        self.example("GET", "/staff/{staff_no}/tokens", Example({"staff_no": holder}))
        self.example(
            "POST",
            "/staff/{staff_no}/transfers",
            Example(
                {"staff_no": enrolled("FZ0005", ["reviewer"])},
                body={"branch": "城西支行", "moved_on": self.today, "reason": "轮岗"},
            ),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/password",
            Example(
                {"staff_no": enrolled("FZ0006", ["auditor"])},
                body={"password": "Fuzz2026temporary"},
            ),
        )

    # ------------------------------------------------------------------ information
    def information(self) -> None:
        """The borrower's information changed (贷款信息维护) and a use of the funds recorded
        (贷款用途): each on a loan of its own."""
        self.example(
            "POST",
            "/loans/{loan_no}/information-changes",
            Example(
                {"loan_no": self.loan()},
                body={
                    "changed_on": self.today,
                    "changes": [
                        {"field": "address", "value": "杭州市西湖区文三路 100 号"},
                        {"field": "income", "value": "360000.00"},
                    ],
                    "reason": "借款人搬迁并提供收入证明",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/funds-uses",
            Example(
                {"loan_no": self.loan()},
                body={
                    "used_on": self.today,
                    "amount": "1000.00",
                    "payee": "宁波示例钢材有限公司",
                    "use": "支付钢材采购款",
                    "matches_purpose": True,
                    "payment_method": "entrusted",
                },
            ),
        )

    # ------------------------------------------------------------------ data scope
    def scope(self) -> None:
        """A loan moved within the branch head's units, and its A岗 and B岗 (数据权限)."""
        self.example(
            "POST",
            "/loans/{loan_no}/moves",
            Example(
                {"loan_no": self.loan()},
                body={"branch": "东湖分理处", "moved_on": self.today, "reason": "划入分理处管理"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/account-managers",
            Example(
                {"loan_no": self.loan()},
                body={
                    "a_manager_no": RUNNERS["account_manager"],
                    "b_manager_no": AM2,
                    "assigned_on": self.today,
                    "reason": "双人管户",
                },
            ),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/evaluations",
            Example(
                {"staff_no": RUNNERS["account_manager"]},
                body={
                    "occasion": "handover",
                    "period_from": self.today,
                    "period_to": self.today,
                    "evaluated_on": self.today,
                    "conclusion": "competent",
                    "findings": "贷后检查按期开展，履职到位",
                },
            ),
        )

    # ------------------------------------------------------------------ closer watch
    def watch(self) -> None:
        """A key customer listed (and one taken off), a third-party servicer named, a maturity
        notice sent (重点监测, 到期提示)."""
        self.example(
            "POST",
            "/loans/{loan_no}/key-customer",
            Example(
                {"loan_no": self.loan()},
                body={"designated_on": self.today, "reason": "授信集中度高，列为重点客户"},
            ),
        )
        listed = self.loan()
        self.bank.post(
            RUNNERS["risk_manager"],
            f"/loans/{listed}/key-customer",
            {"designated_on": self.on(30), "reason": "授信集中度高"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/key-customer/removal",
            Example({"loan_no": listed}, body={"removed_on": self.today, "reason": "风险缓释"}),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/third-party-service",
            Example(
                {"loan_no": self.loan()},
                body={
                    "servicer": "云溪融资服务有限公司",
                    "contact": "钱伟",
                    "contact_phone": "0571-88886666",
                    "assigned_on": self.today,
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/maturity-notices",
            Example(
                {"loan_no": self.loan()},
                body={"issued_on": self.today, "addressee": "模糊测试示例有限公司"},
            ),
        )

    # ------------------------------------------------------------------ supervision
    def supervision(self) -> None:
        """Checks of post-loan work scored below the pass score, their notices issued; one
        rectification reported (贷后管理检查, 限期整改, 验收, 处罚)."""
        body = {
            "subject": "account_manager",
            "checked_on": self.day.isoformat(),
            "period_from": self.on(0),
            "period_to": self.day.isoformat(),
            "deductions": [
                {"item": "routine_inspection", "points": 15, "finding": "常规检查超期"},
                {"item": "dossier", "points": 8, "finding": "原件未按期移交"},
            ],
            "findings": "得分低于合格线，限期整改",
        }
        self.example("POST", "/supervision-checks", Example(body={**body, "staff_no": AM2}))
        mine = self.bank.post(
            RM2, "/supervision-checks", {**body, "staff_no": RUNNERS["account_manager"]}
        )["ids"]["check_id"]
        self.example(
            "POST",
            "/supervision-checks/{check_id}/rectification",
            Example(
                {"check_id": mine},
                body={"reported_on": self.day.isoformat(), "report": "已补做检查，原件已移交"},
            ),
        )
        self.example(
            "POST",
            "/supervision-checks/{check_id}/penalties",
            Example(
                {"check_id": mine},
                body={
                    "staff_no": RUNNERS["account_manager"],
                    "amount": "300.00",
                    "reason": "检查得分低于80分",
                    "decided_on": self.day.isoformat(),
                },
            ),
        )
        theirs = self.bank.post(
            RUNNERS["risk_manager"], "/supervision-checks", {**body, "staff_no": AM2}
        )["ids"]["check_id"]
        self.bank.post(
            AM2,
            f"/supervision-checks/{theirs}/rectification",
            {"reported_on": self.day.isoformat(), "report": "已整改"},
        )
        self.example(
            "POST",
            "/supervision-checks/{check_id}/acceptance",
            Example(
                {"check_id": theirs},
                body={"accepted_on": self.day.isoformat(), "opinion": "经验收，整改到位"},
            ),
        )
        self.parameters["check_id"] = theirs

    # ------------------------------------------------------------------ feedback
    def feedback(self) -> None:
        """Branch feedback (经办行反馈问题) raised, assigned, answered, sent back, escalated."""
        am, plo, risk = (
            RUNNERS["account_manager"],
            RUNNERS["post_loan_officer"],
            RUNNERS["risk_manager"],
        )
        body = {
            "topic": "rule",
            "reference": "INS-11",
            "description": "专项检查时限过短，难以会同有关部门现场检查",
            "raised_on": self.on(20),
        }
        self.example("POST", "/feedback", Example(body={**body, "raised_on": self.today}))

        def raised(*steps: str) -> str:
            feedback_id: str = self.bank.post(am, "/feedback", body)["ids"]["feedback_id"]
            at = f"/feedback/{feedback_id}"
            if "assigned" in steps:
                self.bank.post(
                    risk, f"{at}/assignment", {"handler_no": plo, "assigned_on": self.on(21)}
                )
            if "answered" in steps:
                self.bank.post(
                    plo,
                    f"{at}/answer",
                    {
                        "answered_on": self.on(22),
                        "answer": "将评估时限",
                        "measures": "提交制度修订",
                    },
                )
            if "returned" in steps:
                self.bank.post(
                    am,
                    f"{at}/conclusion",
                    {"concluded_on": self.on(23), "accepted": False, "opinion": "未解决"},
                )
            return feedback_id

        self.example(
            "POST",
            "/feedback/{feedback_id}/assignment",
            Example(
                {"feedback_id": raised()},
                body={"handler_no": plo, "assigned_on": self.today},
            ),
        )
        self.example(
            "POST",
            "/feedback/{feedback_id}/answer",
            Example(
                {"feedback_id": raised("assigned")},
                body={"answered_on": self.today, "answer": "已答复", "measures": "修订制度"},
            ),
        )
        answered = raised("assigned", "answered")
        self.example(
            "POST",
            "/feedback/{feedback_id}/conclusion",
            Example(
                {"feedback_id": answered},
                body={"concluded_on": self.today, "opinion": "问题已解决"},
            ),
        )
        self.example(
            "POST",
            "/feedback/{feedback_id}/escalation",
            Example(
                {"feedback_id": raised("assigned", "answered", "returned")},
                body={"escalated_on": self.today, "reason": "退回后仍未解决"},
            ),
        )
        self.parameters["feedback_id"] = answered

    # ------------------------------------------------------------------ papers
    def papers(self) -> None:
        """A monitoring report awaiting the risk department's review; a work report sent up
        to 总行 awaiting its reading (贷后管理文书, 审阅, 阅知)."""
        month = self.day.replace(day=1) - timedelta(days=1)
        monitoring = {
            "kind": "monitoring_report",
            "period": f"{month:%Y-%m}",
            "title": "定期监控报告（模糊测试）",
            "drafted_on": self.day.isoformat(),
        }
        awaiting = self.bank.upload(
            RUNNERS["account_manager"], "/papers", monitoring, "management_paper"
        )["ids"]["paper_id"]
        self.example(
            "POST",
            "/papers/{paper_id}/reviews",
            Example(
                {"paper_id": awaiting},
                body={"approved": True, "reason": "已阅，同意", "vetted_on": self.day.isoformat()},
            ),
        )
        report = {**monitoring, "kind": "work_report", "title": "贷后管理工作报告（模糊测试）"}
        sent = self.bank.upload(
            RUNNERS["post_loan_officer"], "/papers", report, "management_paper"
        )["ids"]["paper_id"]
        for who in (RUNNERS["reviewer"], RM2, RUNNERS["branch_head"]):
            self.bank.post(
                who,
                f"/papers/{sent}/reviews",
                {"approved": True, "reason": "同意", "vetted_on": self.day.isoformat()},
            )
        self.example(
            "POST",
            "/papers/{paper_id}/acknowledgement",
            Example(
                {"paper_id": sent},
                body={"acknowledged_on": self.day.isoformat(), "opinion": "已阅"},
            ),
        )
        self.parameters["paper_id"] = sent

    # ------------------------------------------------------------------ partners
    def partners(self) -> None:
        """Partner institutions (合作机构) registered, one suspended and resumed; a servicer's
        communication; a guarantor's compensation (代偿) and its recovery (追偿); a loan's
        repayment behaviour assessed (还款行为分析)."""
        risk, am = RUNNERS["risk_manager"], RUNNERS["account_manager"]
        company = {
            "name": "模糊测试融资担保有限公司",
            "kind": "guarantee_company",
            "credit_code": "91330100MA2FT0001K",
            "contact": "钱经理",
            "cooperation_from": self.on(0),
            "limit": "5000000.00",
            "registered_on": self.on(1),
        }
        self.example(
            "POST",
            "/partners",
            Example(
                body={
                    **company,
                    "name": "模糊测试服务有限公司",
                    "kind": "servicer",
                    "credit_code": "91330100MA2FT0002K",
                }
            ),
        )
        self.bank.post(risk, "/partners", company)
        servicer = {**company, "name": "模糊测试饲料有限公司", "kind": "servicer"}
        servicer["credit_code"] = "91330100MA2FT0003K"
        self.bank.post(risk, "/partners", servicer)
        code = company["credit_code"]
        self.example(
            "POST",
            "/partners/{credit_code}/suspension",
            Example(
                {"credit_code": code}, body={"suspended_on": self.on(2), "reason": "代偿率超线"}
            ),
        )
        suspended = {
            **company,
            "name": "模糊测试暂停担保有限公司",
            "credit_code": "91330100MA2FT0004K",
        }
        self.bank.post(risk, "/partners", suspended)
        self.bank.post(
            risk,
            f"/partners/{suspended['credit_code']}/suspension",
            {"suspended_on": self.on(2), "reason": "代偿率超线"},
        )
        self.example(
            "POST",
            "/partners/{credit_code}/resumption",
            Example(
                {"credit_code": suspended["credit_code"]},
                body={"resumed_on": self.today, "reason": "已整改"},
            ),
        )
        serviced = self.loan()
        self.bank.post(
            risk,
            f"/loans/{serviced}/third-party-service",
            {
                "servicer": servicer["name"],
                "contact": "孙主管",
                "assigned_on": self.on(3),
                "servicer_code": servicer["credit_code"],
            },
        )
        self.example(
            "POST",
            "/partners/{credit_code}/communications",
            Example(
                {"credit_code": servicer["credit_code"]},
                body={
                    "communicated_on": self.today,
                    "loan_no": serviced,
                    "verified": "核实存栏与饲料款结算",
                    "changes_found": "借款人更换手机号码",
                    "changes": [{"field": "phone", "value": "13800001111"}],
                },
            ),
        )
        guaranteed = self.loan()
        found = self.bank.post(
            am,
            f"/loans/{guaranteed}/guarantees",
            {
                "guarantor_name": company["name"],
                "kind": "guarantee_company",
                "id_no": code,
                "amount": "300000.00",
                "contract_no": "BZ-FZ-PT-0001",
                "registered_on": self.on(1),
            },
        )
        guarantee_id = found["ids"]["guarantee_id"]
        self.overdue(guaranteed, 10, 20)
        compensation = {
            "guarantee_id": guarantee_id,
            "amount": "10500.00",
            "compensated_on": self.on(21),
            "note": "代偿逾期本息",
        }
        self.example(
            "POST",
            "/loans/{loan_no}/compensations",
            Example({"loan_no": guaranteed}, body=compensation),
        )
        paid = self.bank.upload(
            am, f"/loans/{guaranteed}/compensations", compensation, "compensation_voucher"
        )
        self.example(
            "POST",
            "/loans/{loan_no}/compensations/{compensation_id}/recoveries",
            Example(
                {"loan_no": guaranteed, "compensation_id": paid["ids"]["compensation_id"]},
                body={"recovered_on": self.today, "recovered": "5000.00", "progress": "部分追回"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/repayment-behaviour/assessments",
            Example({"loan_no": guaranteed}, body={"assessed_on": self.today}),
        )
        self.parameters["credit_code"] = code

    # ------------------------------------------------------------ risk control
    def risk_control(self) -> None:
        """Risk notices published, acknowledged, investigated and closed (风险预警提示); new
        lending suspended, supervised and lifted (停复牌)."""
        am, risk = RUNNERS["account_manager"], RUNNERS["risk_manager"]
        notice = {
            "subject": "branch",
            "subject_key": "城东支行",
            "title": "城东支行资产质量风险提示",
            "content": "请逐户排查逾期贷款成因",
            "figures_on": self.today,
            "published_on": self.today,
        }
        self.example("POST", "/risk-notices", Example(body=notice))

        def published(by: str, *steps: str) -> str:
            notice_id: str = self.bank.post(by, "/risk-notices", notice)["ids"]["notice_id"]
            if "ack" in steps:
                self.bank.post(
                    am,
                    f"/risk-notices/{notice_id}/acknowledgements",
                    {"acknowledged_on": self.today},
                )
            if "investigate" in steps:
                self.bank.post(
                    am,
                    f"/risk-notices/{notice_id}/investigations",
                    {"investigated_on": self.today, "findings": "已排查", "measures": "逐户清收"},
                )
            if "close" in steps:
                self.bank.post(
                    risk,
                    f"/risk-notices/{notice_id}/closure",
                    {"closed_on": self.today, "conclusion": "办结"},
                )
            return notice_id

        self.example(
            "POST",
            "/risk-notices/{notice_id}/acknowledgements",
            Example({"notice_id": published(RM2)}, body={"acknowledged_on": self.today}),
        )
        self.example(
            "POST",
            "/risk-notices/{notice_id}/investigations",
            Example(
                {"notice_id": published(RM2, "ack")},
                body={
                    "investigated_on": self.today,
                    "findings": "逾期客户2户，经营困难",
                    "measures": "追加担保，按月跟踪",
                },
            ),
        )
        self.example(
            "POST",
            "/risk-notices/{notice_id}/closure",
            Example(
                {"notice_id": published(RM2, "ack", "investigate")},
                body={"closed_on": self.today, "conclusion": "排查完毕，办结"},
            ),
        )
        closed = published(RM2, "ack", "investigate", "close")

        def suspension(customer: str) -> dict[str, Any]:
            return {
                "subject": "customer",
                "subject_key": customer,
                "basis": "notice",
                "notice_id": closed,
                "reason": "风险预警提示要求暂停该户新增授信",
                "figures_on": self.today,
                "suspended_on": self.today,
            }

        borrowers = []
        for _ in range(3):
            number = self.loan()
            borrowers.append(f"91330100FZ{int(number[-6:]):06d}X")
        self.example("POST", "/suspensions", Example(body=suspension(borrowers[0])))
        noted = self.bank.post(risk, "/suspensions", suspension(borrowers[1]))
        self.example(
            "POST",
            "/suspensions/{suspension_id}/supervision",
            Example(
                {"suspension_id": noted["ids"]["suspension_id"]},
                body={"supervised_on": self.today, "note": "督导支行落实清收责任人"},
            ),
        )
        lifting = self.bank.post(RM2, "/suspensions", suspension(borrowers[2]))
        self.example(
            "POST",
            "/suspensions/{suspension_id}/lifting",
            Example(
                {"suspension_id": lifting["ids"]["suspension_id"]},
                body={
                    "lifted_on": self.today,
                    "reason": "提示已办结，风险信号解除",
                    "figures_on": self.today,
                },
            ),
        )
        self.parameters["notice_id"] = closed
        self.parameters["suspension_id"] = lifting["ids"]["suspension_id"]

    # ------------------------------------------------------------------ zones
    def zones(self) -> None:
        """A customer's zone proposed with its plan, approved, rejected and reviewed (三大区间,
        一户一策)."""
        am, head = RUNNERS["account_manager"], RUNNERS["branch_head"]
        plan = {
            "measures": "压降授信敞口，追加抵押",
            "target": "一年内压降50%",
            "responsible_no": am,
            "deadline": (self.day + timedelta(days=365)).isoformat(),
        }
        self.example(
            "POST",
            "/loans/{loan_no}/zones",
            Example(
                {"loan_no": self.loan()},
                body={
                    "zone": "restricted",
                    "reason": "经营下滑",
                    "proposed_on": self.today,
                    **plan,
                },
            ),
        )
        proposals = []
        for _ in range(2):
            loan_no = self.loan()
            proposed = self.bank.post(
                am,
                f"/loans/{loan_no}/zones",
                {"zone": "restricted", "reason": "经营下滑", "proposed_on": self.on(30), **plan},
            )
            proposals.append((loan_no, proposed["ids"]["proposal_id"]))
        (approved, approving), (rejected, rejecting) = proposals
        self.example(
            "POST",
            "/loans/{loan_no}/zones/{proposal_id}/approve",
            Example(
                {"loan_no": approved, "proposal_id": approving},
                body={"approved_on": self.today, "opinion": "同意"},
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/zones/{proposal_id}/reject",
            Example(
                {"loan_no": rejected, "proposal_id": rejecting},
                body={"rejected_on": self.today, "reason": "材料不足"},
            ),
        )
        reviewed = self.loan()
        proposal = self.bank.post(
            am,
            f"/loans/{reviewed}/zones",
            {"zone": "normal", "reason": "经营正常", "proposed_on": self.on(30), **plan},
        )
        self.bank.post(
            head,
            f"/loans/{reviewed}/zones/{proposal['ids']['proposal_id']}/approve",
            {"approved_on": self.on(31), "opinion": "同意"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/zone-reviews",
            Example(
                {"loan_no": reviewed},
                body={
                    "reviewed_on": self.today,
                    "progress": "按计划推进",
                    "repayment_capacity": "还款来源稳定",
                    "operations": "销售回款正常",
                    "market": "行业需求平稳",
                    "statements": "营业收入同比持平，经营性现金流为正",
                    "credit_record": "征信无新增不良",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/zone-notices",
            Example(
                {"loan_no": reviewed},
                body={
                    "notified_on": self.today,
                    "method": "书面通知",
                    "recipient": "财务总监",
                    "content": "贵公司列入正常区间",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/bad-credit",
            Example(
                {"loan_no": self.loan()},
                body={"blacklisted_on": self.today, "reason": "恶意逃废债务"},
            ),
        )
        blacklisted = self.loan()
        self.bank.post(
            RUNNERS["risk_manager"],
            f"/loans/{blacklisted}/bad-credit",
            {"blacklisted_on": self.on(30), "reason": "恶意逃废债务"},
        )
        self.example(
            "POST",
            "/loans/{loan_no}/bad-credit/removal",
            Example({"loan_no": blacklisted}, body={"delisted_on": self.today, "reason": "已结清"}),
        )

    # ------------------------------------------------------------------ 管户
    def monitoring(self) -> None:
        """The online monitor designated for a spell (专职信贷在线监测员) and again from today;
        a large customer's month monitored; a flag verified, another decided (三层过滤)."""
        head, officer = RUNNERS["branch_head"], RUNNERS["post_loan_officer"]
        self.bank.post(
            head,
            f"/staff/{officer}/online-monitor",
            {"since": self.on(0), "until": self.on(40), "reason": "专职信贷在线监测员"},
        )
        self.example(
            "POST",
            "/staff/{staff_no}/online-monitor",
            Example({"staff_no": officer}, body={"since": self.today, "reason": "续任监测员"}),
        )
        self.example(
            "POST",
            "/staff/{staff_no}/online-monitor/end",
            Example({"staff_no": officer}, body={"ended_on": self.today, "reason": "轮岗"}),
        )
        record = {
            "figures": [{"name": "资产负债率", "value": "78%"}],
            "findings": "资产负债率显著上升",
            "judgment": "warning",
            "signal_code": "FIN-01",
        }
        self.example(
            "POST",
            "/monitoring/records",
            Example(body={**record, "loan_no": self.loan(), "monitored_on": self.on(5)}),
        )
        first = self.bank.post(
            officer,
            "/monitoring/records",
            {**record, "loan_no": self.loan(), "monitored_on": self.on(6)},
        )["ids"]["record_id"]
        self.example(
            "POST",
            "/monitoring/records/{record_id}/verification",
            Example(
                {"record_id": first},
                body={"verified_on": self.today, "substantiated": True, "opinion": "核实属实"},
            ),
        )
        second = self.bank.post(
            officer,
            "/monitoring/records",
            {**record, "loan_no": self.loan(), "monitored_on": self.on(7)},
        )["ids"]["record_id"]
        self.bank.post(
            RUNNERS["account_manager"],
            f"/monitoring/records/{second}/verification",
            {"verified_on": self.on(8), "substantiated": True, "opinion": "核实属实"},
        )
        self.example(
            "POST",
            "/monitoring/records/{record_id}/decision",
            Example(
                {"record_id": second},
                body={"decided_on": self.today, "confirmed": True, "reason": "确认预警"},
            ),
        )
        self.parameters["record_id"] = second

    def guanhu(self) -> None:
        """A customer assigned to a manager (管户) and one taken off; a loan's
        target-responsibility record signed (贷后管理及目标责任书)."""
        customer = {
            "borrower_id": "91330100FZGH0001X",
            "borrower_name": "模糊测试管户有限公司",
            "borrower_type": "corporate",
            "amount": "500000.00",
            "assigned_on": self.today,
            "reason": "管户分配",
        }
        self.example(
            "POST", "/staff/{staff_no}/customers", Example({"staff_no": AM2}, body=customer)
        )
        self.bank.post(
            RUNNERS["branch_head"],
            f"/staff/{AM2}/customers",
            {**customer, "borrower_id": "91330100FZGH0002X", "group": "模糊测试集团"},
        )
        self.example(
            "POST",
            "/staff/{staff_no}/customers/release",
            Example(
                {"staff_no": AM2},
                body={
                    "borrower_id": "91330100FZGH0002X",
                    "released_on": self.today,
                    "reason": "移交",
                },
            ),
        )
        self.example(
            "POST",
            "/loans/{loan_no}/target-responsibility",
            Example(
                {"loan_no": self.loan()},
                body={
                    "year": self.day.year,
                    "manager_no": RUNNERS["account_manager"],
                    "risk_supervisor_no": RUNNERS["risk_manager"],
                    "collection_target": "60000.00",
                    "business_target": "日均存款不低于 20 万元",
                    "signed_on": self.today,
                },
            ),
        )

    # ------------------------------------------------------------------ customer file
    def customers(self) -> None:
        """A customer's managing bank named (客户管理行), its operating rhythm recorded
        (客户运营规律), an attempt to reach it and its contact data verified (失联客户)."""
        borrower = f"91330100FZ{self.loans + 1:06d}X"
        self.loan()
        self.parameters["borrower_id"] = borrower
        path = {"borrower_id": borrower}
        self.example(
            "POST",
            "/customers/{borrower_id}/managing-branch",
            Example(
                path,
                body={"branch": "城东支行", "set_on": self.today, "reason": "小户由支行管理"},
            ),
        )
        self.example(
            "POST",
            "/customers/{borrower_id}/rhythm",
            Example(
                path,
                body={
                    "months": [5, 9],
                    "from_day": 10,
                    "to_day": 20,
                    "call_window": "18:00-20:00",
                    "note": "出栏前后回访",
                    "agreed_on": self.today,
                },
            ),
        )
        self.example(
            "POST",
            "/customers/{borrower_id}/contact-attempts",
            Example(
                path,
                body={
                    "attempted_on": self.today,
                    "channel": "phone",
                    "purpose": "return_visit",
                    "contact": "13800000000",
                    "reached": True,
                    "note": "接通，本人",
                },
            ),
        )
        self.example(
            "POST",
            "/customers/{borrower_id}/contact-verifications",
            Example(
                path,
                body={
                    "verified_on": self.today,
                    "learned_on": self.today,
                    "phone": "13900000000",
                    "note": "拨打核实为本人",
                },
            ),
        )

    # ------------------------------------------------------------------ reads
    def feed(self) -> None:
        """A batch of the core system sent by an integration identity (enrolled here): its
        job, whatever became of it, for the job's reads and its reports (核心系统日终文件)."""
        enrolled = self.bank.post(
            RUNNERS["administrator"],
            "/staff",
            {
                "staff_no": "FZINT01",
                "name": "核心系统对接",
                "branch": "总行",
                "roles": ["integration"],
            },
        )
        headers = {"Authorization": f"Bearer {enrolled['token']}"}
        row = {
            "loan_no": "FZFEED0001",
            "borrower_name": "模糊测试日终文件客户",
            "borrower_kind": "individual",
            "borrower_id_type": "resident_id",
            "borrower_id_no": "11010519800101001X",
            "product": "individual_production",
            "branch": "城东支行",
            "account_manager_no": RUNNERS["account_manager"],
            "principal": "20000.00",
            "rate": "0.0435",
            "value_date": self.today,
            "maturity_date": (self.day + timedelta(days=365)).isoformat(),
            "repayment_method": "equal_principal",
            "guarantee_type": "credit",
            "purpose": "购买种苗",
        }
        with tempfile.TemporaryDirectory() as folder:
            written = write_batch(
                Path(folder) / "feed",
                bank="模糊测试银行",
                business_date=self.day,
                files={LOANS: [row]},
            )
            data = zip_batch(written, Path(folder) / "feed.zip").read_bytes()
        sent = self.bank.client.post(
            "/feed/batches", files={"file": ("feed.zip", data, "application/zip")}, headers=headers
        )
        if sent.status_code != 202:
            raise SetupFailed(f"POST /feed/batches: {sent.status_code} {sent.text}")
        job = sent.json()
        deadline = time.monotonic() + 120
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
            job = self.bank.client.get(f"/feed/jobs/{job['id']}", headers=headers).json()
        self.parameters["job_id"] = job["id"]
        self.example("GET", "/feed/batches", Example(query={"limit": 10}))
        if job["status"] != "applied":
            return
        # The loan the batch booked awaits its origination record (贷前资料补录); a valid
        # request carries its credit file, which an example cannot: without, a 422.
        self.example(
            "POST",
            "/loans/{loan_no}/origination-record",
            Example(
                {"loan_no": row["loan_no"]},
                body={
                    "filed_on": self.today,
                    "borrower_rating": "A",
                    "origination_reviewer": RUNNERS["reviewer"],
                    "approver": RUNNERS["branch_head"],
                },
            ),
        )

    def reads(self) -> None:
        """What the reads need: a demo loan with its documents, and the records made above."""
        loan_no, documents = self.read_loan
        collateral_loan, collateral_no = self.collateral_read
        self.parameters |= {
            "loan_no": loan_no,
            "sha256": next(d["sha256"] for d in documents if d["media_type"] == "application/pdf"),
            "purpose": "audit",
            "staff_no": RUNNERS["account_manager"],
            "borrowing_id": self.borrowing_id,
            "batch_id": self.batch_id,
            "as_of": self.today,
            "on": self.today,
            "month": self.today[:7],
            "q": "借款",
        }
        for suffix in ("", "/events"):
            self.example(
                "GET",
                f"/loans/{{loan_no}}/collateral/{{collateral_no}}{suffix}",
                Example({"loan_no": collateral_loan, "collateral_no": collateral_no}),
            )


def prepare(base_url: str, credentials_file: Path, today: date) -> Scenario:
    """Make every example true on the served demo; the scenario holds the examples."""
    return prepare_on(Bank(base_url, credentials(credentials_file)), today)


def prepare_on(bank: Bank, today: date) -> Scenario:
    """:func:`prepare` through a bank already signed in (closed when done)."""
    scenario = Scenario(bank, today)
    try:
        scenario.run()
    finally:
        bank.close()
    return scenario

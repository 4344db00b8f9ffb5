"""A loan in arrears (逾期): overdue status, the collection ladder, downgrades to the floors,
restructuring, asset preservation, responsibility and write-off.

The ladder, floors and deadlines are the defaults of docs/rules.md (COL-01 to COL-09, CLS-06
to CLS-09, WRN-04); the dates keep to them most of the time and slip now and then, as they do
in a real branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from demo import texts
from demo.plan import TODAY, DocSpec, Planner, add_months, cents, workday
from demo.servicing import (
    Row,
    classify,
    handling_day,
    inspect,
    orange_signal,
    warn,
    yellow_signal,
)
from demo.staff import AUDITORS, NAMES
from domain.values import (
    AppealOutcome,
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuaranteeType,
    InspectionKind,
    Product,
    ResponsibilityFinding,
    ResponsibilityStage,
    WriteOffCriterion,
)

LEGAL_ADVISER = "云溪市明律律师事务所 沈律师"
"""The bank's legal adviser, informed from the fifth day overdue (法律顾问介入)."""
_PENALTY = Decimal("1.5")  # 罚息: the contract rate plus 50%
_SANCTIONS = {
    ResponsibilityFinding.FULL: "给予记过处分，扣减当年绩效工资30%，取消信贷从业资格一年",
    ResponsibilityFinding.MAIN: "给予警告处分，扣减当年绩效工资20%，暂停授信业务资格六个月",
    ResponsibilityFinding.SECONDARY: "通报批评，扣减当年绩效工资5%",
    ResponsibilityFinding.EXEMPT: "不予处理",
}
_DOWNGRADES = (
    # floor days, proposal window (days overdue), grade, sub-grade, reason
    (
        91,
        (92, 100),
        Grade.SUBSTANDARD,
        "substandard_1",
        "本金逾期超过90天（逾期{days}天），借款人经营困难，正常经营收入已不足以偿还本息，"
        "依规至少归为次级类。",
    ),
    (
        271,
        (272, 285),
        Grade.DOUBTFUL,
        "doubtful",
        "逾期超过270天（逾期{days}天），借款人已基本停止经营，执行担保后预计仍有较大损失，"
        "认定为可疑类。",
    ),
    (
        361,
        (362, 375),
        Grade.LOSS,
        "loss",
        "逾期超过360天（逾期{days}天），经诉讼及执行仍无法收回或只能收回极少部分，认定为损失类。",
    ),
)


@dataclass
class Arrears:
    """One episode of arrears, counted from the due date first missed."""

    p: Planner
    start: date
    kind: str
    principal_due: Decimal
    interest_due: Decimal
    balance: Decimal
    recorded: int = field(default=0, init=False)

    @classmethod
    def at(cls, p: Planner, rows: list[Row], missed: date, kind: str) -> Arrears:
        principal, interest = next((r[1], r[2]) for r in rows if r[0] == missed)
        return cls(p, missed, kind, principal, interest, p.balance_at(missed))

    def day(self, days: int) -> date:
        return self.start + timedelta(days=days)

    def days_at(self, day: date) -> int:
        return (day - self.start).days

    def amounts(self, days: int) -> tuple[Decimal, Decimal]:
        """Overdue principal and interest (with penalty interest) after ``days``."""
        penalty = self.p.rate * _PENALTY * days / 360
        if self.kind == "interest":
            return Decimal("0.00"), cents(self.interest_due * (1 + penalty))
        if self.kind == "principal":
            return self.balance, cents(self.interest_due + self.balance * penalty)
        periods = 1 + days // 91
        principal = self.balance if days > 90 else min(self.balance, self.principal_due * periods)
        return principal, cents(self.interest_due * periods + principal * penalty)

    # --------------------------------------------------------------- status
    def record(self, days: int, *, optional: int = 0) -> None:
        """逾期情况 as of a day, recorded by the post-loan officer."""
        principal, interest = self.amounts(days)
        self.p.add(
            self.day(days),
            self.p.crew.post_loan_officer,
            "record_overdue",
            rank=1,
            optional=optional,
            as_of=self.day(days),
            days_overdue=days,
            overdue_principal=principal,
            overdue_interest=interest,
        )
        self.recorded = max(self.recorded, days)

    def records(self, until: date, milestones: tuple[tuple[int, int], ...]) -> None:
        for days, optional in milestones:
            if self.day(days) < until:
                self.record(days, optional=optional)

    def record_latest(self) -> None:
        """The status as of the last month-end run before today."""
        days = self.days_at(TODAY - timedelta(days=self.p.rng.randint(0, 4)))
        if days > self.recorded + 15:
            self.record(days, optional=1)

    def cure(self, on: date, *, rank: int = 3) -> None:
        """Arrears repaid: zero days overdue (recorded after the repayment of the same day)."""
        self.p.add(
            on,
            self.p.crew.post_loan_officer,
            "record_overdue",
            rank=rank,
            as_of=on,
            days_overdue=0,
            overdue_principal=Decimal("0.00"),
            overdue_interest=Decimal("0.00"),
        )

    # --------------------------------------------------------------- ladder
    def _docs(self, on: date, doc_types: tuple[str, ...]) -> tuple[DocSpec, ...]:
        days = self.days_at(on)
        principal, interest = self.amounts(days)
        return tuple(
            self.p.doc(
                doc_type,
                on,
                overdue_days=str(days),
                overdue_principal=str(principal),
                overdue_interest=str(interest),
            )
            for doc_type in doc_types
        )

    def take(
        self,
        days: int,
        kind: CollectionStepKind,
        actor: str | None,
        outcome: str,
        until: date,
        *,
        doc_types: tuple[str, ...] = (),
        promise: bool = False,
        optional: int = 0,
        **extra: Any,
    ) -> date | None:
        """One rung of the ladder on the first working day from ``days`` overdue."""
        p = self.p
        on = workday(self.day(days))
        if on >= until or on > TODAY:
            return None
        promised = on + timedelta(days=p.rng.randint(3, 10)) if promise else None
        text = outcome.format(
            days=self.days_at(on),
            promised=f"{promised:%Y年%m月%d日}" if promised else "",
            cause=p.rng.choice(texts.CAUSES),
            plan=p.rng.choice(texts.PLANS),
            status=p.rng.choice(texts.STATUSES),
            guarantor=p.shape.borrower.guarantor,
            action=p.rng.choice(texts.RECOVERY_ACTIONS),
        )
        p.add(
            on,
            actor or p.account_manager_at(on),
            "take_collection_step",
            docs=self._docs(on, doc_types),
            optional=optional,
            kind=kind,
            taken_on=on,
            days_overdue=self.days_at(on),
            outcome=text,
            promised_date=promised,
            step_id=p.new_id("collection"),
            **extra,
        )
        return on

    def ladder(self, until: date, *, receipt: bool = True, litigate: bool = False) -> date | None:
        """The collection ladder up to ``until``; returns the day the suit was filed, if any."""
        p, rng, k = self.p, self.p.rng, CollectionStepKind
        plo = p.crew.post_loan_officer
        # 逾期 1 天: risk staff take part from the first day (风控人员介入).
        self.take(
            1,
            k.PHONE_CALL,
            None,
            texts.PHONE_CALL,
            until,
            promise=True,
            participants=[p.risk_manager],
        )
        self.take(3, k.PHONE_CALL, plo, texts.SECOND_CALL, until, promise=True, optional=2)
        # 逾期 5 天: the visit with its written situation report, the legal adviser informed.
        self.take(
            rng.randint(5, 7),
            k.VISIT,
            None,
            texts.VISIT,
            until,
            doc_types=("situation_report",),
            legal_adviser=LEGAL_ADVISER,
        )
        # 一同上门: the post-loan officer takes part; the revised plan with a supervisor.
        self.take(9, k.JOINT_VISIT, None, texts.JOINT_VISIT, until, optional=2, participants=[plo])
        self.take(
            15,
            k.PLAN_REVISED,
            plo,
            texts.PLAN_REVISED,
            until,
            optional=2,
            participants=[p.risk_manager],
        )
        notice = ("collection_notice", "collection_receipt") if receipt else ("collection_notice",)
        text = texts.NOTICE if receipt else texts.NOTICE_UNSIGNED
        self.take(rng.randint(30, 32), k.NOTICE_SERVED, None, text, until, doc_types=notice)
        if p.shape.guarantee is GuaranteeType.GUARANTEE:
            self.take(
                rng.randint(31, 35),
                k.GUARANTOR_NOTIFIED,
                None,
                texts.GUARANTOR,
                until,
                doc_types=("guarantor_notice",),
                optional=2,
            )
        self.take(
            rng.randint(60, 65), k.ON_SITE_INVESTIGATION, plo, texts.ON_SITE, until, optional=2
        )
        letter = ("lawyers_letter",)
        self.take(
            rng.randint(90, 96),
            k.LAWYERS_LETTER,
            plo,
            texts.LAWYERS_LETTER,
            until,
            doc_types=letter,
        )
        if not litigate:
            return None
        filed = self.take(
            rng.randint(97, 115),
            k.LITIGATION,
            plo,
            texts.LITIGATION,
            until,
            doc_types=("complaint",),
        )
        if filed is None:
            return None
        self.take(
            self.days_at(filed) + rng.randint(2, 8),
            k.PRESERVATION,
            plo,
            texts.PRESERVATION,
            until,
            optional=2,
        )
        self.take(
            rng.randint(150, 175), k.LITIGATION, plo, texts.JUDGMENT, until, doc_types=("judgment",)
        )
        self.take(
            rng.randint(180, 200),
            k.ENFORCEMENT,
            plo,
            texts.ENFORCEMENT,
            until,
            doc_types=("enforcement_ruling",),
        )
        return filed

    # ------------------------------------------------------------ grading
    def special_mention(self, until: date) -> date | None:
        """关注 at once (any amount overdue), then the special inspection within 7 days."""
        p = self.p
        proposed = workday(self.day(p.rng.randint(2, 4)))
        approved = proposed + timedelta(days=p.rng.randint(1, 3))
        if approved >= until:
            return None
        days = self.days_at(approved)
        what = "利息" if self.kind == "interest" else "本金"
        reason = (
            f"借款人{what}逾期{self.days_at(proposed)}天，依据《商业银行金融资产风险分类办法》，"
            "本金、利息逾期的资产至少归为关注类。"
        )
        classify(
            p,
            proposed,
            approved,
            Grade.SPECIAL_MENTION,
            "special_mention_2",
            reason,
            overdue=(days, *self.amounts(days)),
        )
        self.special_inspection(approved, until, f"贷款{what}逾期并下调为关注类")
        return approved

    def special_inspection(
        self, trigger: date, until: date, why: str, *, optional: int = 0
    ) -> None:
        p = self.p
        days = p.rng.randint(0, 6)
        if p.rng.random() < 0.1:
            days = p.rng.randint(9, 20)  # late: a gap the task board will show
        on = workday(trigger + timedelta(days=days))
        if on >= until:
            return
        findings = (
            f"因{why}开展专项检查：借款人{p.rng.choice(texts.CAUSES)}，"
            f"{p.rng.choice(texts.STATUSES)}。已督促借款人筹措资金，建议加大催收力度并落实担保措施。"
        )
        inspect(p, on, InspectionKind.SPECIAL, findings, optional=optional)

    def downgrades(self, until: date, *, reject_first: bool = False) -> date | None:
        """次级, 可疑, 损失 as the days overdue pass each floor; returns when it became 不良."""
        p, rng = self.p, self.p.rng
        npl_on: date | None = None
        for floor_days, (low, high), grade, sub_grade, reason in _DOWNGRADES:
            proposed = workday(self.day(rng.randint(low, high)))
            approved = proposed + timedelta(days=rng.randint(1, 4))
            if approved >= until or self.recorded < floor_days:
                break
            if grade is Grade.SUBSTANDARD and reject_first:
                proposed = self._rejected_first(proposed) + timedelta(days=rng.randint(0, 2))
                approved = proposed + timedelta(days=rng.randint(1, 3))
                if approved >= until:
                    break
            days = self.days_at(approved)
            classify(
                p,
                proposed,
                approved,
                grade,
                sub_grade,
                reason.format(days=self.days_at(proposed)),
                overdue=(days, *self.amounts(days)),
            )
            npl_on = npl_on or approved
            why = f"贷款下调为{grade.zh}类"
            self.special_inspection(approved, until, why, optional=0 if npl_on == approved else 1)
        return npl_on

    def _rejected_first(self, proposed: date) -> date:
        """The account manager asks for 关注 past 90 days; the branch's reviewer sends it back at
        determination (认定退回: the floor is 次级)."""
        p, rng = self.p, self.p.rng
        proposal_id = p.new_id("proposal")
        p.add(
            proposed,
            p.account_manager_at(proposed),
            "propose_classification",
            grade=Grade.SPECIAL_MENTION,
            sub_grade="special_mention_3",
            reason="抵押物足值，借款人承诺三个月内归还欠款，建议维持关注类。",
            as_of=proposed,
            proposal_id=proposal_id,
        )
        rejected = proposed + timedelta(days=rng.randint(1, 2))
        p.add(
            rejected,
            p.crew.reviewer,
            "reject_classification",
            proposal_id=proposal_id,
            reason="认定时退回：本金逾期已超过90天，监管下限为次级，须按不良贷款重新初分。",
        )
        return rejected

    # ------------------------------------------------------------ signals
    def early_signal(self, *, cleared: date | None = None, orange: bool = True) -> None:
        """A signal seen before the loan fell overdue (the warning that came first)."""
        p = self.p
        raised = workday(self.start - timedelta(days=p.rng.randint(15, 45)))
        if raised < p.shape.value_date + timedelta(days=30):
            return
        code = orange_signal(p) if orange else yellow_signal(p)
        handled = handling_day(p, raised, code)
        warn(p, code, raised, raiser=p.crew.post_loan_officer, handled=handled, cleared=cleared)
        if orange:
            why = f"橙色预警信号“{texts.SIGNALS[code].label}”"
            self.special_inspection(raised, self.start, why, optional=1)

    def red_signal(self, until: date) -> None:
        """涉诉/失联: red, handled within 3 days, with a special inspection."""
        p = self.p
        raised = workday(self.day(p.rng.randint(80, 95)))
        if raised >= until or raised > TODAY:
            return
        individual = p.shape.borrower.kind is BorrowerType.INDIVIDUAL
        code = (
            "OPS-02"
            if individual and p.rng.random() < 0.4
            else p.rng.choice(("EXT-05", "OPS-08") if not individual else ("EXT-05",))
        )
        warn(p, code, raised, raiser=p.risk_manager, handled=handling_day(p, raised, code))
        self.special_inspection(
            raised, until, f"红色预警信号“{texts.SIGNALS[code].label}”", optional=1
        )

    # ----------------------------------------------------------- workout
    def transfer(self, after: date, until: date) -> None:
        """移交资产保全部 once the loan is non-performing."""
        p = self.p
        on = workday(after + timedelta(days=p.rng.randint(20, 100)))
        if on >= until or on > TODAY:
            return
        reason = (
            f"贷款已形成不良，逾期{self.days_at(on)}天，经营性清收无望，移交资产保全部集中清收。"
        )
        actor = p.risk_manager if p.rng.random() < 0.5 else p.crew.head
        p.add(
            on,
            actor,
            "transfer_to_asset_preservation",
            optional=1,
            docs=(p.doc("asset_preservation_transfer", on, reason=reason),),
            transferred_on=on,
            reason=reason,
        )

    def restructure(self, on: date, months: int, new_rate: str) -> date:
        """重组: overdue interest settled, a new instalment plan, approved by the branch head."""
        p = self.p
        interest = self.amounts(self.days_at(on))[1]
        p.repay(on, Decimal("0.00"), interest, rank=2)
        new_maturity = add_months(on, months)
        balance = p.balance_at(on)
        terms = (
            f"贷款本金余额{balance}元重新约定还款计划：到期日调整为{new_maturity:%Y年%m月%d日}，"
            f"按季分期归还本金，执行年利率{new_rate}；逾期利息{interest}元已于重组日结清；"
            "追加借款人实际控制人夫妇个人连带责任保证。"
        )
        reason = (
            f"借款人因{p.rng.choice(texts.CAUSES)}出现逾期，但仍在正常经营，有继续经营的意愿和能力，"
            "通过调整还款期限可缓解其现金流压力，有利于最大限度保全信贷资产。"
        )
        fields = {"new_due_date": new_maturity.isoformat(), "reason": reason, "rate": new_rate}
        docs = (
            p.doc("restructuring_agreement", on, **fields),
            p.doc("restructuring_approval", on, **fields),
        )
        p.add(
            on,
            p.crew.head,
            "restructure",
            docs=docs,
            rank=3,
            restructured_on=on,
            new_maturity_date=new_maturity,
            new_interest_rate=new_rate,
            terms=terms,
            reason=reason,
        )
        self.cure(on, rank=4)
        p.maturities.append((on + timedelta(days=1), new_maturity))
        return new_maturity

    def responsibility(self, on: date, *, objection: bool) -> None:
        """不良贷款责任认定: findings per person and stage, an appeal, the committee's decision."""
        p, rng = self.p, self.p.rng
        auditor, committee = rng.sample(AUDITORS, 2)
        am, reviewer = p.shape.account_manager, p.crew.reviewer
        if objection:
            text = (
                "借款人资产负债率持续上升，对外担保金额较大，存在较高的或有负债风险；"
                "保证人代偿能力不足，建议追加抵押或压降授信金额"
            )
            objected = p.shape.value_date - timedelta(days=10)
            p.add(
                on,
                reviewer,
                "record_objection",
                docs=(
                    p.doc(
                        "objection",
                        objected,
                        person=NAMES[reviewer],
                        position="复核人（营销主管）",
                        reason=text,
                    ),
                ),
                subject=f"对{p.shape.borrower.name}授信申请的书面异议（审查时提出，未被采纳）",
                text=text + "。",
                objection_id=p.new_id("objection"),
            )
        main = rng.random() < 0.6
        finding = ResponsibilityFinding.MAIN if main else ResponsibilityFinding.SECONDARY
        reason = (
            "贷前调查未核实借款人对外民间借贷及或有负债情况，调查报告对借款人负债的反映与实际"
            "不符，对贷款形成不良负有责任。"
        )
        # One determination (认定书) covers everyone found responsible for the loan: it is
        # filed with the first finding; the others are recorded from the same document.
        others = [m for m in p.crew.account_managers if m != am]
        after = p.handover[1] if p.handover is not None else (others or [am])[0]
        document = p.doc(
            "responsibility_determination",
            on,
            account_manager=NAMES[am],
            finding=finding.zh,
            sanction=_SANCTIONS[finding],
            reason=reason,
            supervisor=NAMES[auditor],
            handover_to=NAMES[after],
            overdue_days=str(self.days_at(on)),
        )
        determination = self._determine(
            on, auditor, am, ResponsibilityStage.INVESTIGATION, finding, reason, docs=(document,)
        )
        if objection:
            self._determine(
                on,
                auditor,
                reviewer,
                ResponsibilityStage.REVIEW,
                ResponsibilityFinding.EXEMPT,
                "审查时已书面提出异议并被否决，依规尽职免责。",
            )
        elif rng.random() < 0.4:
            self._determine(
                on,
                auditor,
                reviewer,
                ResponsibilityStage.REVIEW,
                ResponsibilityFinding.SECONDARY,
                "审查中未对保证人代偿能力提出审慎意见，负有次要责任。",
                optional=1,
            )
        if rng.random() < 0.3:
            late = rng.random() < 0.5
            self._determine(
                on,
                auditor,
                p.risk_manager,
                ResponsibilityStage.POST_LOAN,
                ResponsibilityFinding.SECONDARY if late else ResponsibilityFinding.EXEMPT,
                "预警信号处置超过时限，风险缓释措施落实不及时，负有次要责任。"
                if late
                else "已在时限内处置预警信号并督促落实风险缓释措施，尽职免责。",
                optional=1,
            )
        if p.handover is not None and p.handover[0] < on and rng.random() < 0.5:
            self._determine(
                on,
                auditor,
                p.handover[1],
                ResponsibilityStage.POST_LOAN,
                ResponsibilityFinding.EXEMPT,
                "接管后按规定频率检查并及时报告风险，尽职免责。",
                optional=1,
            )
        if rng.random() < 0.65:
            appealed = on + timedelta(days=rng.randint(5, 12))
            appeal_reason = (
                "借款人对外民间借贷系贷款发放后发生，贷前无任何渠道可以查知；贷后已按规定频率检查，"
                "发现预警信号后当日即书面报告，请求改为尽职免责。"
            )
            p.add(
                appealed,
                am,
                "appeal_responsibility",
                docs=(
                    p.doc(
                        "appeal",
                        appealed,
                        person=NAMES[am],
                        position="客户经理",
                        finding=finding.zh,
                        sanction=_SANCTIONS[finding],
                        reason=appeal_reason,
                    ),
                ),
                determination_id=determination,
                reason=appeal_reason,
            )
            decided = appealed + timedelta(days=rng.randint(10, 30))
            amended = rng.random() < 0.35
            final = ResponsibilityFinding.SECONDARY if main else ResponsibilityFinding.EXEMPT
            decision = (
                f"经复议，申请人部分理由成立，变更认定为{final.zh}。"
                if amended
                else "经复议，原认定事实清楚、依据充分，维持原认定。"
            )
            p.add(
                decided,
                committee,
                "decide_appeal",
                docs=(
                    p.doc(
                        "responsibility_record",
                        decided,
                        person=NAMES[am],
                        finding=(final if amended else finding).zh,
                        reason=decision,
                    ),
                ),
                determination_id=determination,
                outcome=AppealOutcome.AMENDED if amended else AppealOutcome.UPHELD,
                finding=final if amended else None,
                reason=decision,
            )

    def _determine(
        self,
        on: date,
        auditor: str,
        person: str,
        stage: ResponsibilityStage,
        finding: ResponsibilityFinding,
        reason: str,
        *,
        docs: tuple[DocSpec, ...] = (),
        optional: int = 0,
    ) -> UUID:
        p = self.p
        determination_id = p.new_id("determination")
        p.add(
            on,
            auditor,
            "determine_responsibility",
            docs=docs,
            optional=optional,
            person_no=person,
            stage=stage,
            finding=finding,
            sanction=_SANCTIONS[finding],
            reason=reason,
            determination_id=determination_id,
        )
        return determination_id

    def write_off(self, on: date, *, enforced: bool, determined: bool) -> None:
        """核销 by the branch head on a recognised criterion, with its evidence (账销案存)."""
        p = self.p
        criterion = self._criterion(enforced)
        reason = texts.WRITE_OFF_REASONS[criterion]
        doc_types = ["writeoff_application", "writeoff_investigation", "writeoff_evidence"]
        if determined:
            doc_types.append("responsibility_record")
        balance = str(p.balance_at(on))
        docs = tuple(p.doc(t, on, reason=reason, writeoff_amount=balance) for t in doc_types)
        p.add(
            on,
            p.crew.head,
            "write_off",
            docs=docs,
            rank=7,
            written_off_on=on,
            criterion=criterion,
            reason=reason,
        )
        p.closed_on = on

    def _criterion(self, enforced: bool) -> WriteOffCriterion:
        c, s = WriteOffCriterion, self.p.shape
        if enforced and self.p.rng.random() < 0.7:
            return c.ENFORCEMENT_EXHAUSTED
        if s.borrower.kind is BorrowerType.CORPORATE:
            return self.p.rng.choice((c.BANKRUPTCY, c.LICENCE_REVOKED))
        if s.product is Product.INDIVIDUAL_PRODUCTION and "农户" in s.borrower.business:
            return self.p.rng.choice((c.UNINSURED_DISASTER, c.DEATH_OR_DISAPPEARANCE))
        return c.DEATH_OR_DISAPPEARANCE

    def after_write_off(self, written_off: date) -> None:
        """Recovery goes on after write-off: a collection step, perhaps money back (收回)."""
        p = self.p
        if p.rng.random() < 0.6:
            self.take(
                self.days_at(written_off) + p.rng.randint(30, 200),
                CollectionStepKind.ENFORCEMENT,
                p.crew.post_loan_officer,
                texts.AFTER_WRITE_OFF,
                TODAY + timedelta(days=1),
                optional=1,
            )
        if p.rng.random() < 0.5:
            on = written_off + timedelta(days=p.rng.randint(40, 300))
            share = Decimal(p.rng.randint(5, 25)) / 100
            p.repay(on, cents(p.balance_at(written_off) * share), Decimal("0.00"))

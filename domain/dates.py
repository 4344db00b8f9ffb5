"""Business dates (业务日期): what happened cannot lie after today, nor before what it follows.

Two rules, one function each, used by every command that records a business date:

* :func:`check_happened` — the date of something that happened (a repayment, an inspection, a
  visit, a receipt, a return, an approval, an execution…) may not lie after the bank's today,
  give or take a tolerance of a few days set in configuration. The application applies it, with
  its clock, to every field of :data:`HAPPENED` a command carries, before anything is recorded.
* :func:`check_not_before` — a step of a workflow may not be dated before the step it follows
  (a return before the lending, an approval before the proposal, a receipt before the listing).
  Each aggregate applies it where it knows the earlier step.

Dates that lie ahead by nature — due and expiry dates, maturity, a promised repayment, the end
of retention — are :data:`MAY_LIE_AHEAD`. Every date a command takes is one or the other.

Every event that records a fact has one **business date** (:func:`business_date`): the date
of its field of :data:`HAPPENED` (the one :data:`DATED_BY` names where it has several, or the
one it borrows from the fact it decides on); an event without one — a record of the archive's
own, a decision taken at the desk — is dated the day the archive recorded it, in the bank's
zone. The registers answer "on a business date" (``on=``) from these dates.

Pure: the standard library only; "today" is handed in, never read from a clock here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import DateInFutureError, DateOutOfOrderError

HAPPENED: Mapping[str, str] = MappingProxyType(
    {
        # the loan (贷款)
        "value_date": "起息日",
        "paid_on": "还款日期",
        "as_of": "截至日期",
        "inspected_on": "检查日期",
        "countersigned_on": "复核日期",
        "raised_on": "预警日期",
        "handled_on": "处置日期",
        "feedback_on": "反馈日期",
        "determined_on": "认定日期",
        "reported_on": "报告签收日期",
        "cleared_on": "解除（销项）日期",
        "started_on": "应急预案启动日期",
        # feedback from the operating branches (经办行反馈问题)
        "answered_on": "答复日期",
        "concluded_on": "办结（退回）日期",
        "escalated_on": "升级日期",
        "progress_on": "应急预案进展日期",
        "taken_on": "催收日期",
        "restructured_on": "重组日期",
        "approved_on": "批准日期",
        "handed_over_on": "交接日期",
        "transferred_on": "移交资产保全日期",
        "written_off_on": "核销日期",
        "settled_on": "结清日期",
        "filed_on": "归档日期",
        "loss_on": "损失发生日期",
        "analysed_on": "损失分析日期",
        # borrower information (贷款信息维护) and the use of the funds (贷款用途)
        "changed_on": "信息变更生效日期",
        "used_on": "资金使用日期",
        # data scope (数据权限): people and loans moved, account managers assigned
        "moved_on": "调动（划转）日期",
        "assigned_on": "分派日期（管户、反馈问题）",
        # closer watch (重点监测): key customers listed and taken off
        "designated_on": "列为重点客户日期",
        "removed_on": "移出重点客户日期",
        # the three zones of customers (三大区间): rejected, reviewed
        "rejected_on": "否决日期",
        "reviewed_on": "区间评估日期",
        # the customer told of its assessment; the bad-credit customers' internal control list
        "notified_on": "评测情况通知日期",
        "blacklisted_on": "列入不良信用客户名单日期",
        "delisted_on": "移出不良信用客户名单日期",
        # account managers' duties evaluated (贷后管理履职评价)
        "evaluated_on": "评价日期",
        "period_from": "评价期间起日",
        "period_to": "评价期间止日",
        # supervision of post-loan work (贷后管理检查): checked, rectified, accepted
        "checked_on": "检查日期",
        # partner institutions (合作机构): suspended, resumed, talked to; compensations (代偿)
        "suspended_on": "暂停合作（停牌）日期",
        "resumed_on": "恢复合作日期",
        "communicated_on": "沟通核实日期",
        "compensated_on": "代偿日期",
        "recovered_on": "追偿进展日期",
        "accepted_on": "验收日期",
        # post-loan management papers (贷后管理文书): drafted, met, reviewed, revised, read
        "drafted_on": "起草日期",
        "met_on": "会议日期",
        "vetted_on": "审阅日期",
        "revised_on": "修改日期",
        "acknowledged_on": "阅知（签收）日期",
        # key-customer monitoring (重点客户监测): monitored, verified, the monitor's spell ended
        "monitored_on": "监测日期",
        "ended_on": "在线监测员任期截止日期",
        # collateral (押品)
        "appraised_on": "评估日期",
        "registered_on": "抵押登记日期",
        "lodged_on": "入库日期",
        "taken_out_on": "出库日期",
        "returned_on": "归还日期",
        "revalued_on": "重估日期",
        "lapsed_on": "保险失效日期",
        "released_on": "解除日期",
        # guarantors (保证人)
        "assessed_on": "评估日期",
        # the archive office (档案室)
        "signed_on": "签订日期",
        "listed_on": "移交日期",
        "received_on": "接收日期",
        "catalogued_on": "编目日期",
        "placed_on": "冻结日期",
        "opened_on": "鉴定开始日期",
        "decided_on": "鉴定结论日期",
        "extended_on": "延长保管期限日期",
        "proposed_on": "提出日期",
        "executed_on": "执行日期",
        "submitted_on": "申报日期",
        "meeting_on": "认定会日期",
        # borrowing (借阅)
        "requested_on": "申请日期",
        "checked_out_on": "借出日期",
        "issued_on": "制发日期",
        "closed_on": "办结日期",
        "on": "登记日期",
        # the industry recorded at booking; risk notices and suspensions (风险预警提示、停复牌)
        "classified_on": "行业登记日期",
        "figures_on": "指标统计日",
        "published_on": "发布日期",
        "investigated_on": "调查处理日期",
        "supervised_on": "督导日期",
        "lifted_on": "复牌日期",
        "booked_on": "放款日期",
        # the customer file (客户档案): managing bank named, contact attempted and verified
        "set_on": "确定管理行日期",
        "agreed_on": "运营规律约定日期",
        "attempted_on": "联系日期",
        "verified_on": "核实日期",
        "learned_on": "获知变更日期",
    }
)
"""The dates of things that happened, by field name, with their Chinese names."""

MAY_LIE_AHEAD: Mapping[str, str] = MappingProxyType(
    {
        "due_on": "应还日期",
        "expires_on": "到期日期",
        "maturity_date": "到期日",
        "new_maturity_date": "新到期日",
        "promised_date": "承诺还款日",
        "ends_on": "保管期满日",
        "deadline": "期限（整改期限、方案期限）",
        "answer_due": "答复期限",
        "since": "起始日期（在线监测员任期）",
        "until": "截止日期（在线监测员任期）",
        "cooperation_from": "合作起始日",
        "cooperation_to": "合作到期日",
    }
)
"""Dates that lie ahead by nature: checked against what they follow, never against today."""

_NAMES: Mapping[str, str] = {
    **HAPPENED,
    **MAY_LIE_AHEAD,
    "certificate_moved_on": "权证上次出入库日期",
    "valued_on": "上次估值日期",
    "insurance_expires_on": "原保单到期日",
    "overdue_as_of": "上次逾期情况截至日期",
    "last_repaid_on": "最近还款日期",
    "compliance_approved_on": "合规审批日期",
    "last_moved_on": "上次调动（划转）日期",
    "managers_since": "现管户起始日期",
    "last_changed_on": "上次信息变更日期",
}


def name_of(field: str) -> str:
    """The Chinese name of a date field, with the field: ``检查日期（inspected_on）``."""
    zh = _NAMES.get(field)
    return f"{zh}（{field}）" if zh else field


def check_happened(when: date, *, today: date, field: str, tolerance_days: int = 0) -> None:
    """Refuse the date of something that happened when it lies after ``today`` (the bank's,
    by the application's clock), beyond ``tolerance_days``."""
    latest = today + timedelta(days=tolerance_days)
    if when > latest:
        allowed = f"（容差 {tolerance_days} 天）" if tolerance_days else ""
        allowed_en = f" (tolerance {tolerance_days} days)" if tolerance_days else ""
        raise DateInFutureError(
            f"{name_of(field)} {when} 晚于今日 {today}{allowed}：尚未发生的事不能登记",
            f"{field} {when} is after today, {today} in the bank's calendar{allowed_en}: "
            "what has not happened yet cannot be recorded",
            field=field,
            value=when.isoformat(),
            today=today.isoformat(),
            tolerance_days=tolerance_days,
        )


def check_not_before(when: date, since: date | None, *, field: str, since_field: str) -> None:
    """Refuse a step dated before the step it follows (``since``, recorded as ``since_field``);
    nothing to check when that step has no date yet."""
    if since is not None and when < since:
        raise DateOutOfOrderError(
            f"{name_of(field)} {when} 早于{name_of(since_field)} {since}：后一步不能早于前一步",
            f"{field} {when} is before {since_field} {since}: a step may not be dated before "
            "the step it follows",
            field=field,
            value=when.isoformat(),
            since_field=since_field,
            since=since.isoformat(),
        )


DATED_BY: Mapping[str, str] = MappingProxyType(
    {
        # a transfer list is signed by both sides and dated when it is listed
        "TransferListed": "listed_on",
        # a classification holds as of its base date (分类基准日), however late it is approved;
        # a correction of an inspection corrects the inspection, on the inspection's date
        "ClassificationDetermined": "as_of",
        "ClassificationApproved": "as_of",
        "ClassificationRejected": "as_of",
        "InspectionCorrected": "inspected_on",
        # a countersign (复核意见) is dated the day the reviewer gave it
        "InspectionCountersigned": "countersigned_on",
        # a dossier is opened on its loan's value date; a document is filed on the business
        # date of the event it evidences; a dossier is destroyed on the day of execution
        "Opened": "opened_on",
        "DocumentFiled": "filed_on",
        "Destroyed": "destroyed_on",
        # an evaluation of post-loan duties is dated the day it was made, not its period's
        "PostLoanDutiesEvaluated": "evaluated_on",
        # a supervision check is dated the day it was made, its notice the day it was issued
        "Checked": "checked_on",
        "NoticeIssued": "issued_on",
        # a risk notice or a suspension is dated the day it was made, not its figures'
        "RiskNoticePublished": "published_on",
        "LendingSuspended": "suspended_on",
        "SuspensionLifted": "lifted_on",
        # a paper is dated the day it was drafted, not its period's nor its meeting's; it is
        # submitted up the day its last step approved it
        "PaperDrafted": "drafted_on",
        "PaperSubmitted": "submitted_on",
        # a loss review (三个不放过) is dated the day it was recorded, not the loss's
        "LossReviewRecorded": "analysed_on",
        "LossReviewClosed": "closed_on",
        # contact data verified are dated the day verified, not the day the change was learned
        "ContactVerified": "verified_on",
        "MarkedUnreachable": "since",
    }
)
"""Event class name → the field that dates it, where the rule of one :data:`HAPPENED` field
does not decide: several such fields, or a date the event carries for the fact it decides on.
An event stored before it carried that field is dated the day it was recorded."""


def business_date(event: Any, zone: str | ZoneInfo) -> date:
    """The business date (业务日期) of ``event``: the day what it records happened.

    The field :data:`DATED_BY` names for its class, else its one field of :data:`HAPPENED`;
    failing both (an event of the archive's own, or one stored before it carried its date),
    the day it was recorded, in the bank's zone ``zone``.
    """
    named = DATED_BY.get(type(event).__name__)
    if named is not None:
        value = getattr(event, named, None)
        if isinstance(value, date):
            return value
    else:
        fields = getattr(event, "__dict__", {})
        for field in HAPPENED:
            value = fields.get(field)
            if isinstance(value, date) and not isinstance(value, datetime):
                return value
    return recorded_on(event.timestamp, zone)


def recorded_on(timestamp: datetime, zone: str | ZoneInfo) -> date:
    """The bank's day (in ``zone``) of a record time; a naive time is UTC."""
    aware = timestamp if timestamp.tzinfo is not None else timestamp.replace(tzinfo=UTC)
    return aware.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()

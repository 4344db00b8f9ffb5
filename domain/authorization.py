"""Who may do what: the role table (docs/rules.md STF-02) and the rule of 三员分立 (STF-04).

Each command names its :class:`Action`; :func:`authorize` checks the role the
actor held at that moment against :data:`PERMISSIONS`. Segregation-of-duties
rules that depend on the record itself (proposer ≠ approver, inspector ≠
reviewer) live in the aggregates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from domain.errors import (
    AdministratorBusinessActionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.values import Actor, Role


class Action(Enum):
    """A command or read a caller may ask for."""

    DISBURSE = "disburse"
    FILE_ORIGINATION = "file_origination"
    RECORD_REPAYMENT = "record_repayment"
    RECORD_OVERDUE = "record_overdue"
    RECORD_INSPECTION = "record_inspection"
    CORRECT_INSPECTION = "correct_inspection"
    COUNTERSIGN_INSPECTION = "countersign_inspection"
    PROPOSE_CLASSIFICATION = "propose_classification"
    DETERMINE_CLASSIFICATION = "determine_classification"
    APPROVE_CLASSIFICATION = "approve_classification"
    REJECT_CLASSIFICATION = "reject_classification"
    RAISE_WARNING = "raise_warning"
    HANDLE_WARNING = "handle_warning"
    CLEAR_WARNING = "clear_warning"
    GIVE_WARNING_FEEDBACK = "give_warning_feedback"
    DETERMINE_WARNING = "determine_warning"
    REPORT_WARNING = "report_warning"
    START_EMERGENCY_PLAN = "start_emergency_plan"
    RAISE_FEEDBACK = "raise_feedback"
    ASSIGN_FEEDBACK = "assign_feedback"
    ANSWER_FEEDBACK = "answer_feedback"
    CONCLUDE_FEEDBACK = "conclude_feedback"
    ESCALATE_FEEDBACK = "escalate_feedback"
    RECORD_EMERGENCY_PROGRESS = "record_emergency_progress"
    TAKE_COLLECTION_STEP = "take_collection_step"
    RESTRUCTURE = "restructure"
    EXTEND = "extend"
    HAND_OVER = "hand_over"
    TRANSFER_TO_PRESERVATION = "transfer_to_preservation"
    WRITE_OFF = "write_off"
    SETTLE = "settle"
    DETERMINE_RESPONSIBILITY = "determine_responsibility"
    APPEAL_RESPONSIBILITY = "appeal_responsibility"
    DECIDE_APPEAL = "decide_appeal"
    PROGRESS_DETERMINATION = "progress_determination"
    RECORD_OBJECTION = "record_objection"
    REGISTER_COLLATERAL = "register_collateral"
    REVALUE_COLLATERAL = "revalue_collateral"
    REGISTER_GUARANTEE = "register_guarantee"
    REASSESS_GUARANTOR = "reassess_guarantor"
    RENEW_INSURANCE = "renew_insurance"
    RECORD_INSURANCE_LAPSE = "record_insurance_lapse"
    LODGE_CERTIFICATE = "lodge_certificate"
    TAKE_OUT_CERTIFICATE = "take_out_certificate"
    RETURN_CERTIFICATE = "return_certificate"
    RELEASE_COLLATERAL = "release_collateral"
    FILE_DOCUMENT = "file_document"
    READ_BUSINESS = "read_business"
    READ_DOCUMENT = "read_document"
    READ_ORIGINAL = "read_original"
    READ_TRAIL = "read_trail"
    CHECK_FIXITY = "check_fixity"
    ENROL_STAFF = "enrol_staff"
    GRANT_ROLE = "grant_role"
    REVOKE_ROLE = "revoke_role"
    ISSUE_TOKEN = "issue_token"  # noqa: S105 - an action name, not a secret
    SET_PASSWORD = "set_password"  # noqa: S105 - an action name, not a secret
    READ_STAFF = "read_staff"
    LIST_TRANSFER = "list_transfer"
    RECEIVE_TRANSFER = "receive_transfer"
    CLEAR_DEFECT = "clear_defect"
    CATALOGUE = "catalogue"
    PLACE_HOLD = "place_hold"
    RELEASE_HOLD = "release_hold"
    OPEN_APPRAISAL = "open_appraisal"
    DECIDE_APPRAISAL = "decide_appraisal"
    EXTEND_RETENTION = "extend_retention"
    REQUEST_BORROWING = "request_borrowing"
    APPROVE_BORROWING = "approve_borrowing"
    REJECT_BORROWING = "reject_borrowing"
    CHECK_OUT_BORROWING = "check_out_borrowing"
    RETURN_BORROWING = "return_borrowing"
    CLOSE_BORROWING = "close_borrowing"
    ISSUE_ELECTRONIC_COPY = "issue_electronic_copy"
    NOTE_OVERDUE_BORROWINGS = "note_overdue_borrowings"
    PROPOSE_DESTRUCTION = "propose_destruction"
    APPROVE_DESTRUCTION = "approve_destruction"
    COMPLIANCE_APPROVE_DESTRUCTION = "compliance_approve_destruction"
    EXECUTE_DESTRUCTION = "execute_destruction"
    READ_ARCHIVE_RECORDS = "read_archive_records"
    VERIFY_INTEGRITY = "verify_integrity"
    ACKNOWLEDGE_WITNESS_LOSS = "acknowledge_witness_loss"
    APPROVE_WITNESS_LOSS = "approve_witness_loss"
    ISSUE_AUDIT_BUNDLE = "issue_audit_bundle"
    READ_INTEGRITY = "read_integrity"
    READ_TRUSTED_KEYS = "read_trusted_keys"
    READ_ALL_TASKS = "read_all_tasks"
    READ_COMPLIANCE_REPORT = "read_compliance_report"
    ISSUE_COMPLIANCE_REPORT = "issue_compliance_report"
    READ_PORTFOLIO = "read_portfolio"
    ISSUE_RISK_REPORT = "issue_risk_report"
    TRANSFER_STAFF = "transfer_staff"
    MOVE_LOAN = "move_loan"
    ASSIGN_ACCOUNT_MANAGERS = "assign_account_managers"
    READ_READERS = "read_readers"
    EVALUATE_POST_LOAN_DUTIES = "evaluate_post_loan_duties"
    CHANGE_BORROWER_INFORMATION = "change_borrower_information"
    CHANGE_BORROWER_RATING = "change_borrower_rating"
    RECORD_FUNDS_USE = "record_funds_use"
    DESIGNATE_KEY_CUSTOMER = "designate_key_customer"
    ASSIGN_THIRD_PARTY_SERVICE = "assign_third_party_service"
    MANAGE_PARTNERS = "manage_partners"
    RECORD_SERVICER_COMMUNICATION = "record_servicer_communication"
    RECORD_COMPENSATION = "record_compensation"
    ASSESS_REPAYMENT_BEHAVIOUR = "assess_repayment_behaviour"
    ISSUE_MATURITY_NOTICE = "issue_maturity_notice"
    ASSIGN_CUSTOMER = "assign_customer"
    SIGN_TARGET_RESPONSIBILITY = "sign_target_responsibility"
    SUPERVISE_POST_LOAN = "supervise_post_loan"
    REPORT_RECTIFICATION = "report_rectification"
    DRAFT_PAPER = "draft_paper"
    REVIEW_PAPER = "review_paper"
    ACKNOWLEDGE_PAPER = "acknowledge_paper"
    SUBMIT_DISPOSAL_PLAN = "submit_disposal_plan"
    DECIDE_DISPOSAL_PLAN = "decide_disposal_plan"
    RECORD_DISPOSAL_RESULT = "record_disposal_result"
    PROPOSE_ZONE = "propose_zone"
    APPROVE_ZONE = "approve_zone"
    REVIEW_ZONE = "review_zone"
    NOTIFY_ZONE = "notify_zone"
    LIST_BAD_CREDIT = "list_bad_credit"
    PUBLISH_RISK_NOTICE = "publish_risk_notice"
    ACKNOWLEDGE_RISK_NOTICE = "acknowledge_risk_notice"
    INVESTIGATE_RISK_NOTICE = "investigate_risk_notice"
    CLOSE_RISK_NOTICE = "close_risk_notice"
    SUSPEND_LENDING = "suspend_lending"
    SUPERVISE_SUSPENSION = "supervise_suspension"
    LIFT_SUSPENSION = "lift_suspension"
    DESIGNATE_ONLINE_MONITOR = "designate_online_monitor"
    RECORD_MONITORING = "record_monitoring"
    VERIFY_MONITORING_FLAG = "verify_monitoring_flag"
    DECIDE_MONITORING_FLAG = "decide_monitoring_flag"
    RECORD_LOSS_REVIEW = "record_loss_review"
    CLOSE_LOSS_REVIEW = "close_loss_review"
    SET_MANAGING_BRANCH = "set_managing_branch"
    MAINTAIN_CUSTOMER_CONTACT = "maintain_customer_contact"
    IMPORT_FEED = "import_feed"
    READ_FEED = "read_feed"


R = Role
BUSINESS_ROLES: frozenset[Role] = frozenset(
    r for r in Role if r not in {Role.ADMINISTRATOR, Role.INTEGRATION}
)
LENDING_ROLES = frozenset({R.ACCOUNT_MANAGER, R.POST_LOAN_OFFICER})
DETERMINING_ROLES = frozenset({R.REVIEWER, R.BRANCH_HEAD})
"""Who determines a proposed classification (分类认定): the branch's credit management."""
CUSTODY_ROLES = frozenset({R.ARCHIVIST})
"""Who moves collateral title certificates (custody tier 1): archivists, always two together.

Releasing a collateral (注销) is the branch head's, or after settlement the account manager's:
see :meth:`domain.collateral.Collateral.release`."""

HOLD_ROLES = frozenset({R.COMPLIANCE, R.AUDITOR})
"""Who places and releases litigation, audit and investigation holds (冻结)."""

PERMISSIONS: Mapping[Action, frozenset[Role]] = {
    Action.DISBURSE: frozenset({R.ACCOUNT_MANAGER}),
    # 贷前资料补录: the account manager files the credit file of a loan the core booked.
    Action.FILE_ORIGINATION: frozenset({R.ACCOUNT_MANAGER}),
    Action.RECORD_REPAYMENT: LENDING_ROLES,
    Action.RECORD_OVERDUE: LENDING_ROLES,
    Action.RECORD_INSPECTION: LENDING_ROLES,
    Action.CORRECT_INSPECTION: LENDING_ROLES | {R.REVIEWER},
    Action.COUNTERSIGN_INSPECTION: frozenset({R.REVIEWER}),
    Action.PROPOSE_CLASSIFICATION: LENDING_ROLES,
    # Classification (五级分类): 初分 by the loan's officers, 认定 by the branch's credit
    # management (复核人 or 行长), 审批 by the risk department; each a different person
    # (domain/loan/classification.py). Whoever determines may also send a proposal back.
    Action.DETERMINE_CLASSIFICATION: DETERMINING_ROLES,
    Action.APPROVE_CLASSIFICATION: frozenset({R.RISK_MANAGER}),
    Action.REJECT_CLASSIFICATION: DETERMINING_ROLES | {R.RISK_MANAGER},
    Action.RAISE_WARNING: LENDING_ROLES | {R.RISK_MANAGER},
    Action.HANDLE_WARNING: frozenset({R.RISK_MANAGER}),
    # The closed loop (发布→处置→反馈→认定→消除): whoever handled a signal or gave feedback on
    # it neither determines nor clears it (domain/loan/warnings.py); a report is acknowledged
    # by the role the colour's route names ([warnings.reporting]).
    Action.CLEAR_WARNING: frozenset({R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.GIVE_WARNING_FEEDBACK: LENDING_ROLES | {R.RISK_MANAGER},
    Action.DETERMINE_WARNING: frozenset({R.REVIEWER, R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.REPORT_WARNING: frozenset({R.REVIEWER, R.RISK_MANAGER, R.BRANCH_HEAD}),
    # 应急预案: the risk manager or the branch head starts a signal's emergency plan at once
    # and names who carries it out; its progress is recorded by the loan's officers or them.
    Action.START_EMERGENCY_PLAN: frozenset({R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.RECORD_EMERGENCY_PROGRESS: LENDING_ROLES | {R.RISK_MANAGER, R.BRANCH_HEAD},
    # 经办行反馈问题: the operating branch's people raise it, close it and escalate it; a risk
    # manager (or the role it is escalated to) assigns it to the post-loan and risk department,
    # where a risk manager or a post-loan officer answers it (domain/feedback.py).
    Action.RAISE_FEEDBACK: LENDING_ROLES | {R.REVIEWER, R.BRANCH_HEAD},
    Action.CONCLUDE_FEEDBACK: LENDING_ROLES | {R.REVIEWER, R.BRANCH_HEAD},
    Action.ESCALATE_FEEDBACK: LENDING_ROLES | {R.REVIEWER, R.BRANCH_HEAD},
    Action.ASSIGN_FEEDBACK: frozenset({R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.ANSWER_FEEDBACK: frozenset({R.RISK_MANAGER, R.POST_LOAN_OFFICER}),
    Action.TAKE_COLLECTION_STEP: LENDING_ROLES,
    Action.RESTRUCTURE: frozenset({R.BRANCH_HEAD}),
    Action.EXTEND: frozenset({R.BRANCH_HEAD}),
    Action.HAND_OVER: frozenset({R.BRANCH_HEAD, R.REVIEWER}),
    Action.TRANSFER_TO_PRESERVATION: frozenset({R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.WRITE_OFF: frozenset({R.BRANCH_HEAD}),
    Action.SETTLE: LENDING_ROLES,
    Action.DETERMINE_RESPONSIBILITY: frozenset({R.AUDITOR}),
    Action.APPEAL_RESPONSIBILITY: BUSINESS_ROLES,
    Action.DECIDE_APPEAL: frozenset({R.AUDITOR}),
    # 认定程序 after the finding: 逐级签批 by the auditors, compliance and the branch head; the
    # notice to the person and the referral to 监察 by whoever takes the case on.
    Action.PROGRESS_DETERMINATION: frozenset({R.AUDITOR, R.COMPLIANCE, R.BRANCH_HEAD}),
    Action.RECORD_OBJECTION: BUSINESS_ROLES - {R.AUDITOR},
    Action.REGISTER_COLLATERAL: LENDING_ROLES,
    Action.REVALUE_COLLATERAL: LENDING_ROLES,
    # Guarantees (保证): registered by the loan's officers; the guarantor's re-assessment
    # (代偿能力) by them or the risk manager, who may raise the warning it leads to.
    Action.REGISTER_GUARANTEE: LENDING_ROLES,
    Action.REASSESS_GUARANTOR: LENDING_ROLES | {R.RISK_MANAGER},
    Action.RENEW_INSURANCE: LENDING_ROLES,
    Action.RECORD_INSURANCE_LAPSE: LENDING_ROLES,
    Action.LODGE_CERTIFICATE: CUSTODY_ROLES,
    Action.TAKE_OUT_CERTIFICATE: CUSTODY_ROLES,
    Action.RETURN_CERTIFICATE: CUSTODY_ROLES,
    Action.RELEASE_COLLATERAL: frozenset({R.BRANCH_HEAD, R.ACCOUNT_MANAGER}),
    Action.FILE_DOCUMENT: LENDING_ROLES | {R.ARCHIVIST},
    Action.READ_BUSINESS: BUSINESS_ROLES,
    Action.READ_DOCUMENT: BUSINESS_ROLES,
    Action.READ_ORIGINAL: frozenset({R.AUDITOR, R.COMPLIANCE}),
    # Who did what, in which role: the evidence base of responsibility findings (责任追溯).
    Action.READ_TRAIL: frozenset({R.AUDITOR, R.COMPLIANCE, R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.CHECK_FIXITY: frozenset({R.ARCHIVIST, R.ARCHIVE_HEAD, R.COMPLIANCE, R.AUDITOR}),
    # The core-banking feed (核心系统日终文件): imported by the integration identity only; its
    # batches, jobs and reconciliations read by it and by those who answer for the figures.
    Action.IMPORT_FEED: frozenset({R.INTEGRATION}),
    Action.READ_FEED: frozenset({R.INTEGRATION, R.RISK_MANAGER, R.AUDITOR, R.COMPLIANCE}),
    Action.ENROL_STAFF: frozenset({R.ADMINISTRATOR}),
    Action.GRANT_ROLE: frozenset({R.ADMINISTRATOR}),
    Action.REVOKE_ROLE: frozenset({R.ADMINISTRATOR}),
    Action.ISSUE_TOKEN: frozenset({R.ADMINISTRATOR}),
    Action.SET_PASSWORD: frozenset({R.ADMINISTRATOR}),
    Action.READ_STAFF: frozenset({R.ADMINISTRATOR, R.AUDITOR, R.COMPLIANCE}),
    # Lending (借阅): anyone with a business need asks; the archive head (and for tier 1 the
    # branch head) approves; archivists hand out and take back. Who may approve which
    # borrowing, and the duties that must stay apart, live in domain/borrowing.py.
    Action.REQUEST_BORROWING: BUSINESS_ROLES,
    Action.APPROVE_BORROWING: frozenset({R.ARCHIVE_HEAD, R.BRANCH_HEAD}),
    Action.REJECT_BORROWING: frozenset({R.ARCHIVE_HEAD, R.BRANCH_HEAD}),
    Action.CHECK_OUT_BORROWING: CUSTODY_ROLES,
    Action.RETURN_BORROWING: CUSTODY_ROLES,
    Action.CLOSE_BORROWING: frozenset({R.ARCHIVIST, R.ARCHIVE_HEAD}),
    Action.ISSUE_ELECTRONIC_COPY: CUSTODY_ROLES,
    Action.NOTE_OVERDUE_BORROWINGS: frozenset({R.POST_LOAN_OFFICER, R.ARCHIVE_HEAD}),
    # The archive office (档案室): the credit side hands over, the archivist receives and
    # catalogues, compliance and audit freeze, the archive head appraises.
    Action.LIST_TRANSFER: LENDING_ROLES,
    Action.RECEIVE_TRANSFER: frozenset({R.ARCHIVIST}),
    Action.CLEAR_DEFECT: frozenset({R.ARCHIVIST}),
    Action.CATALOGUE: frozenset({R.ARCHIVIST}),
    Action.PLACE_HOLD: HOLD_ROLES,
    Action.RELEASE_HOLD: HOLD_ROLES,
    Action.OPEN_APPRAISAL: frozenset({R.ARCHIVE_HEAD}),
    Action.DECIDE_APPRAISAL: frozenset({R.ARCHIVE_HEAD}),
    Action.EXTEND_RETENTION: frozenset({R.ARCHIVE_HEAD}),
    # Destruction (销毁): the archive head proposes, the branch head and compliance approve,
    # an archivist executes before two supervisors (domain/disposition.py).
    Action.PROPOSE_DESTRUCTION: frozenset({R.ARCHIVE_HEAD}),
    Action.APPROVE_DESTRUCTION: frozenset({R.BRANCH_HEAD}),
    Action.COMPLIANCE_APPROVE_DESTRUCTION: frozenset({R.COMPLIANCE}),
    Action.EXECUTE_DESTRUCTION: frozenset({R.ARCHIVIST}),
    # The circulation register (借阅登记簿: who borrowed what, for which audit or lawsuit) and
    # the destruction register (销毁清册) are read by those who keep, decide, supervise and
    # check lending and destruction — not by the credit side.
    Action.READ_ARCHIVE_RECORDS: frozenset(
        {R.ARCHIVIST, R.ARCHIVE_HEAD, R.BRANCH_HEAD, R.COMPLIANCE, R.AUDITOR}
    ),
    # Verifying the record reads hashes, never content: auditors, compliance, and the
    # system administrator who runs it at the console (三员: it is not a business action).
    Action.VERIFY_INTEGRITY: frozenset({R.AUDITOR, R.COMPLIANCE, R.ADMINISTRATOR}),
    # A lost witness range is acknowledged by the administrator who runs the stores, with the
    # approval of a second person who checks them (三员分立): an auditor or compliance.
    Action.ACKNOWLEDGE_WITNESS_LOSS: frozenset({R.ADMINISTRATOR}),
    Action.APPROVE_WITNESS_LOSS: frozenset({R.AUDITOR, R.COMPLIANCE}),
    # A bundle holds a loan's events and documents: auditors and compliance hand them out.
    Action.ISSUE_AUDIT_BUNDLE: frozenset({R.AUDITOR, R.COMPLIANCE}),
    # Checkpoints, proofs and public keys: hashes and signatures, for anyone signed in.
    Action.READ_INTEGRITY: BUSINESS_ROLES | {R.ADMINISTRATOR},
    # Which keys verification believes (the bank's published keys) and whether the archive
    # signs with one of them: for those who answer for the record's integrity — auditors,
    # compliance, the archive's head — and the administrator who configures them.
    Action.READ_TRUSTED_KEYS: frozenset({R.AUDITOR, R.COMPLIANCE, R.ARCHIVE_HEAD, R.ADMINISTRATOR}),
    # The whole work queue (工作任务), everyone's: those who supervise, check and answer for
    # the work — each person reads their own tasks with READ_BUSINESS.
    Action.READ_ALL_TASKS: frozenset(
        {R.BRANCH_HEAD, R.RISK_MANAGER, R.COMPLIANCE, R.AUDITOR, R.ARCHIVE_HEAD}
    ),
    # The compliance report names everyone's overdue work and every gap: the same readers.
    Action.READ_COMPLIANCE_REPORT: frozenset(
        {R.BRANCH_HEAD, R.RISK_MANAGER, R.COMPLIANCE, R.AUDITOR, R.ARCHIVE_HEAD}
    ),
    # Handing a report out (to an examiner, the board) is recorded with the file's hash.
    Action.ISSUE_COMPLIANCE_REPORT: frozenset(
        {R.BRANCH_HEAD, R.RISK_MANAGER, R.COMPLIANCE, R.AUDITOR, R.ARCHIVE_HEAD}
    ),
    # Portfolio metrics (资产质量指标: 不良率, 逾期率, 迁徙率, 收回率, 核销) and the risk-monitoring
    # report are read by those who supervise and check the portfolio; 风险管理部 issues the
    # report (002-59 汇集信息，定期发布风险监测报告).
    Action.READ_PORTFOLIO: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER, R.COMPLIANCE, R.AUDITOR}),
    Action.ISSUE_RISK_REPORT: frozenset({R.RISK_MANAGER}),
    # Data scope (数据权限, domain/scope.py): a person's branch is personnel data, moved by the
    # administrator like their roles; a loan is moved between branches by a branch head or a
    # risk manager whose scope holds both branches, and its account managers (A岗/B岗, 管户)
    # are assigned by the branch head; who could read a dossier on a day is for audit.
    Action.TRANSFER_STAFF: frozenset({R.ADMINISTRATOR}),
    Action.MOVE_LOAN: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.ASSIGN_ACCOUNT_MANAGERS: frozenset({R.BRANCH_HEAD}),
    Action.READ_READERS: frozenset({R.AUDITOR, R.COMPLIANCE}),
    # 贷后管理履职评价: an account manager's post-loan duties are evaluated by the branch head
    # or a risk manager whose scope holds the person's unit (never by the person evaluated).
    Action.EVALUATE_POST_LOAN_DUTIES: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    # 贷款信息维护 (docs/rules.md INF-51): the loan's officers keep the borrower's information
    # up; a change of rating is the risk manager's (评级认定), who may record it with others.
    Action.CHANGE_BORROWER_INFORMATION: LENDING_ROLES | {R.RISK_MANAGER},
    Action.CHANGE_BORROWER_RATING: frozenset({R.RISK_MANAGER}),
    # 贷款用途监控 (INF-56): the loan's officers record each use of the funds.
    Action.RECORD_FUNDS_USE: LENDING_ROLES,
    # Closer watch (重点监测): the branch head or a risk manager puts a borrower on the key
    # customer list (重点客户) or takes it off, and names a loan's third-party servicer; the
    # loan's officers send its maturity notice (贷款到期通知书).
    Action.DESIGNATE_KEY_CUSTOMER: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.ASSIGN_THIRD_PARTY_SERVICE: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    # Partner institutions (合作机构, domain/partners.py): registered, suspended and resumed by
    # a risk manager; the communications with a servicer, the compensations by guarantors (代偿)
    # and their recovery (追偿) recorded by the loans' officers or a risk manager; the
    # repayment-behaviour assessment made by those who may raise the signal it raises.
    Action.MANAGE_PARTNERS: frozenset({R.RISK_MANAGER}),
    Action.RECORD_SERVICER_COMMUNICATION: LENDING_ROLES | {R.RISK_MANAGER},
    Action.RECORD_COMPENSATION: LENDING_ROLES | {R.RISK_MANAGER},
    Action.ASSESS_REPAYMENT_BEHAVIOUR: LENDING_ROLES | {R.RISK_MANAGER},
    Action.ISSUE_MATURITY_NOTICE: LENDING_ROLES,
    # 管户: the branch head assigns customers to managers (and takes them off) within the
    # rules' cap and tiers, and signs each loan's target-responsibility record (目标责任书)
    # with its managers as the bank's side, never their own.
    Action.ASSIGN_CUSTOMER: frozenset({R.BRANCH_HEAD}),
    Action.SIGN_TARGET_RESPONSIBILITY: frozenset({R.BRANCH_HEAD}),
    # Supervision of post-loan work (贷后管理检查, domain/supervision.py): a unit above (its
    # branch head), the risk department, compliance or audit checks, scores, accepts the
    # rectification and records penalties; the party checked reports its rectification —
    # nobody checks themselves or their own unit.
    Action.SUPERVISE_POST_LOAN: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER, R.COMPLIANCE, R.AUDITOR}),
    Action.REPORT_RECTIFICATION: BUSINESS_ROLES - {R.AUDITOR, R.COMPLIANCE},
    # Post-loan management papers (贷后管理文书, domain/papers.py): drafted by the roles each
    # kind names, reviewed step by step by the roles of its chain (never the author), read
    # (阅知) by a head of the unit above.
    Action.DRAFT_PAPER: frozenset(
        {R.ACCOUNT_MANAGER, R.POST_LOAN_OFFICER, R.REVIEWER, R.RISK_MANAGER, R.BRANCH_HEAD}
    ),
    Action.REVIEW_PAPER: frozenset({R.REVIEWER, R.RISK_MANAGER, R.BRANCH_HEAD}),
    Action.ACKNOWLEDGE_PAPER: frozenset({R.BRANCH_HEAD}),
    # Key-customer monitoring (重点客户监测, domain/monitoring.py): the branch head designates
    # the online monitor (专职信贷在线监测员), a post-loan officer or a risk manager, who records
    # each month's off-site monitoring; the customer's account manager verifies a flag and a
    # risk manager confirms or dismisses it (三层过滤) — three different people.
    Action.DESIGNATE_ONLINE_MONITOR: frozenset({R.BRANCH_HEAD}),
    Action.RECORD_MONITORING: frozenset({R.POST_LOAN_OFFICER, R.RISK_MANAGER}),
    Action.VERIFY_MONITORING_FLAG: frozenset({R.ACCOUNT_MANAGER}),
    Action.DECIDE_MONITORING_FLAG: frozenset({R.RISK_MANAGER}),
    # Disposal plans (处置方案): 申报 by the loan's officers or the risk manager (资产保全), 审批
    # by the branch head — never the one who submitted it (domain/loan/disposal.py) —, and the
    # result of an approved plan recorded by whoever carries it out.
    Action.SUBMIT_DISPOSAL_PLAN: LENDING_ROLES | {R.RISK_MANAGER},
    Action.DECIDE_DISPOSAL_PLAN: frozenset({R.BRANCH_HEAD}),
    # 三个不放过 (domain/loan/losses.py): the loan's officers or a risk manager record a loss's
    # cause, persons responsible and measures; the branch head or a risk manager closes the
    # review — never one who recorded it.
    Action.RECORD_LOSS_REVIEW: LENDING_ROLES | {R.RISK_MANAGER},
    Action.CLOSE_LOSS_REVIEW: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.RECORD_DISPOSAL_RESULT: LENDING_ROLES | {R.RISK_MANAGER},
    # 三大区间 (一户一策): the loan's officers propose a customer's zone and plan and review it
    # when due; the branch head or a risk manager approves or rejects it (never the proposer).
    Action.PROPOSE_ZONE: LENDING_ROLES,
    Action.APPROVE_ZONE: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.REVIEW_ZONE: LENDING_ROLES,
    # The loan's officers tell the customer of its assessment (评测情况通知); the risk manager
    # (风险管理部) keeps the bad-credit customers' internal control list (不良信用客户内部控制名单).
    Action.NOTIFY_ZONE: LENDING_ROLES,
    Action.LIST_BAD_CREDIT: frozenset({R.RISK_MANAGER}),
    # Risk notices (风险预警提示, domain/risk_control.py): the risk manager (风险管理部) publishes
    # one for an industry, a region, a customer or a product; the units concerned acknowledge
    # it and record their investigation and measures (条线风险事项调查与处理); a risk manager or
    # branch head other than its publisher closes it.
    Action.PUBLISH_RISK_NOTICE: frozenset({R.RISK_MANAGER}),
    Action.ACKNOWLEDGE_RISK_NOTICE: LENDING_ROLES | {R.BRANCH_HEAD, R.RISK_MANAGER},
    Action.INVESTIGATE_RISK_NOTICE: LENDING_ROLES | {R.BRANCH_HEAD, R.RISK_MANAGER},
    Action.CLOSE_RISK_NOTICE: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    # 停复牌: the risk manager suspends new lending for a unit, a product, a manager or a
    # customer; the risk manager or branch head supervises it; another risk manager lifts it.
    Action.SUSPEND_LENDING: frozenset({R.RISK_MANAGER}),
    Action.SUPERVISE_SUSPENSION: frozenset({R.BRANCH_HEAD, R.RISK_MANAGER}),
    Action.LIFT_SUSPENSION: frozenset({R.RISK_MANAGER}),
    # The customer file (按户建档, domain/customer.py): the branch head names the customer's
    # managing bank (客户管理行) at the level its tier asks; the customer's officers record its
    # operating rhythm, each attempt to reach it, and contact data verified (失联 and back).
    Action.SET_MANAGING_BRANCH: frozenset({R.BRANCH_HEAD}),
    Action.MAINTAIN_CUSTOMER_CONTACT: LENDING_ROLES | {R.BRANCH_HEAD},
}

REGISTER_READS: Mapping[str, Action] = {
    "loan_ledger": Action.READ_BUSINESS,
    "customer_file": Action.READ_BUSINESS,
    "classification_register": Action.READ_BUSINESS,
    "overdue_ledger": Action.READ_BUSINESS,
    "npl_register": Action.READ_BUSINESS,
    "warning_ledger": Action.READ_BUSINESS,
    "collateral_register": Action.READ_BUSINESS,
    "archive_catalogue": Action.READ_BUSINESS,
    "circulation_register": Action.READ_ARCHIVE_RECORDS,
    "destruction_register": Action.READ_ARCHIVE_RECORDS,
    "completeness": Action.READ_BUSINESS,
    "work_queue": Action.READ_BUSINESS,
    "accountability_trail": Action.READ_TRAIL,
    "staff_directory": Action.READ_BUSINESS,
    "document_search": Action.READ_DOCUMENT,
    "scope_register": Action.READ_BUSINESS,
    "customer_register": Action.READ_BUSINESS,
    "supervision_register": Action.READ_TRAIL,
    "paper_register": Action.READ_BUSINESS,
    "monitoring_register": Action.READ_BUSINESS,
    "zone_register": Action.READ_BUSINESS,
    "risk_control_register": Action.READ_BUSINESS,
    "inspection_register": Action.READ_BUSINESS,
    "assessment_register": Action.READ_TRAIL,
    "feedback_register": Action.READ_BUSINESS,
    "partner_register": Action.READ_BUSINESS,
    "repayment_register": Action.READ_BUSINESS,
    "feed_batches": Action.READ_FEED,
}
"""Who reads each register (台账), by its name: the one permission for the register and for
every other read that shows what it shows — a destruction batch and its register PDF are the
destruction register's, a borrowing and a dossier's borrowings the circulation register's."""


def register_read(name: str) -> Action:
    """The permission to read the register ``name`` and what mirrors it."""
    return REGISTER_READS[name]


ADMINISTRATION = frozenset(
    {
        Action.ENROL_STAFF,
        Action.GRANT_ROLE,
        Action.REVOKE_ROLE,
        Action.ISSUE_TOKEN,
        Action.TRANSFER_STAFF,
        Action.SET_PASSWORD,
    }
)


def _names(roles: Iterable[Role]) -> tuple[str, str]:
    ordered = sorted(roles, key=lambda r: list(Role).index(r))
    return "、".join(r.zh for r in ordered), ", ".join(r.value for r in ordered)


def choose_role(held: Iterable[Role], action: Action, requested: Role | None = None) -> Role:
    """Pick the role in which a person performs ``action``, or refuse.

    ``held`` are the roles the person holds at this moment. When the caller
    names a role it must be one of them; otherwise the first permitted role
    (in the order of :class:`Role`) is used.
    """
    held_set = frozenset(held)
    allowed = PERMISSIONS[action]
    if requested is not None:
        if requested not in held_set:
            raise RoleNotPermittedError(
                f"当前并未担任所选岗位 {requested.zh}",
                f"you do not hold the role {requested.value} at this moment",
                role=requested.value,
            )
        candidates = [requested]
    else:
        candidates = [r for r in Role if r in held_set]
    for role in candidates:
        if role in allowed:
            return role
    if (
        action not in ADMINISTRATION
        and Role.ADMINISTRATOR in held_set
        and (requested in (None, Role.ADMINISTRATOR))
    ):
        raise AdministratorBusinessActionError(
            "系统管理员不得办理或查阅业务（三员分立）",
            "a system administrator may not record, approve or read business actions",
            action=action.value,
        )
    if action in ADMINISTRATION:
        raise SegregationOfDutiesError(
            "仅系统管理员可管理人员、岗位与令牌（三员分立）",
            "only an administrator may manage staff, roles or tokens (三员分立)",
            action=action.value,
        )
    allowed_zh, allowed_en = _names(allowed)
    held_zh, held_en = _names(held_set) if held_set else ("无", "none")
    raise RoleNotPermittedError(
        f"此操作仅限{allowed_zh}；当前岗位：{held_zh}",
        f"{action.value} is allowed to {allowed_en}; roles held now: {held_en}",
        action=action.value,
        allowed=sorted(r.value for r in allowed),
    )


def authorize(actor: Actor, action: Action) -> None:
    """Refuse unless ``actor.role`` may perform ``action``."""
    if actor.role not in PERMISSIONS[action]:  # refused: choose_role says why
        choose_role([actor.role], action, actor.role)

"""The document types the demo draws, with their Chinese and English titles."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DOCUMENT_TITLES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "loan_application": ("借款申请书", "Loan application"),
        "investigation_report": ("贷前调查报告", "Pre-loan investigation report"),
        "review_report": ("审查报告", "Credit review report"),
        "approval": ("审批书", "Credit approval"),
        "rating_form": ("借款人信用等级评定表", "Borrower credit rating form"),
        "loan_contract": ("借款合同", "Loan contract"),
        "drawdown_receipt": ("借据", "Drawdown receipt"),
        "guarantee_contract": ("保证合同", "Guarantee contract"),
        "mortgage_contract": ("抵押合同", "Mortgage contract"),
        "pledge_contract": ("质押合同", "Pledge contract"),
        "valuation_report": ("押品评估报告", "Collateral valuation report"),
        "registration_certificate": ("抵押登记证明", "Mortgage registration certificate"),
        "insurance_policy": ("保险单", "Insurance policy"),
        "custody_form": ("押品权证出入库交接单", "Certificate custody form"),
        "revaluation_report": ("押品重估报告", "Collateral revaluation report"),
        "release_certificate": ("抵押注销登记证明", "Security release certificate"),
        "first_inspection_report": ("首次跟踪检查报告", "First follow-up inspection report"),
        "inspection_report": ("贷后检查报告", "Post-loan inspection report"),
        "site_photo": ("现场检查照片", "On-site inspection photographs"),
        "controller_photo": ("与实际控制人合影照片", "Photographs with the actual controller"),
        "classification_form": ("五级分类认定表", "Five-level classification form"),
        "warning_form": ("风险预警信号处理表", "Risk-warning signal handling form"),
        "collection_notice": ("逾期催收通知书", "Overdue collection notice"),
        "collection_receipt": ("催收通知书回执", "Collection notice receipt"),
        "situation_report": ("逾期情况说明", "Arrears situation report"),
        "guarantor_notice": ("保证人履行担保责任通知书", "Notice to the guarantor"),
        "guarantor_assessment": ("保证人代偿能力评估报告", "Guarantor capacity assessment"),
        "lawyers_letter": ("律师函", "Lawyer's letter"),
        "complaint": ("起诉状", "Statement of claim"),
        "judgment": ("民事判决书", "Civil judgment"),
        "enforcement_ruling": ("执行裁定书", "Enforcement ruling"),
        "restructuring_agreement": ("贷款重组协议", "Loan restructuring agreement"),
        "restructuring_approval": ("重组审批书", "Restructuring approval"),
        "extension_agreement": ("展期协议", "Loan extension agreement"),
        "extension_approval": ("展期审批书", "Extension approval"),
        "writeoff_application": ("呆账核销申请书", "Bad-debt write-off application"),
        "writeoff_investigation": ("核销调查报告", "Write-off investigation report"),
        "writeoff_evidence": ("核销证据材料", "Write-off evidence"),
        "responsibility_record": (
            "责任认定及处理记录",
            "Responsibility determination and handling record",
        ),
        "settlement_certificate": ("结清证明", "Settlement certificate"),
        "handover_record": ("客户经理交接清单", "Account-manager handover list"),
        "asset_preservation_transfer": ("资产保全移交书", "Transfer to asset preservation"),
        "responsibility_determination": (
            "不良贷款责任认定书",
            "Non-performing loan responsibility determination",
        ),
        "appeal": ("复议申请书", "Application for reconsideration"),
        "objection": ("书面异议", "Written objection"),
    }
)

"""Realistic Chinese loan-dossier documents rendered as PDF (demo data only).

`render_document` (:mod:`demo.pdfs.render`) draws one document of a dossier -- a loan contract, an inspection report, a
collection notice, a court judgment... -- on A4 pages with ReportLab, using only the built-in CID
font ``STSong-Light`` (nothing embedded, nothing downloaded), so the text is extractable.

The facts come from ``fields``; every fact left out gets a plausible default drawn from ``seed``,
and the same seed gives the same fictitious borrower, bank and people in every document type, so
the documents of one demo dossier agree with each other. Recognised field names:

=========================  ===================================================================
borrower, borrower_id      borrower name (a company or a person) and its licence / ID number
borrower_address, phone    borrower's address and telephone
legal_rep, business        legal representative (companies) and main business or occupation
loan_no, contract_no       drawdown number (借据号) and loan-contract number
amount, balance            loan amount and outstanding principal ("1200000", "1,200,000.00",
                           "120万")
rate, term_months          annual rate ("4.85%") and term in months
start_date, due_date       drawdown and maturity dates (ISO "2024-03-15" or "2024年3月15日")
date                       the document's own date (default: a date fitting its stage)
purpose, repayment_method  purpose of the loan and repayment method
guarantee_method           guarantee method (保证 / 抵押 / 质押 / 信用...)
guarantor, guarantor_id    guarantor and its licence / ID number
collateral, ...            collateral, collateral_owner, collateral_location, collateral_cert,
                           collateral_area, collateral_value, registration_no, registry
pledge_item                pledged property
movement, certificate_no   a certificate movement (入库 / 出库 / 归还...) and the certificate's
                           number; certificate_name, out_purpose (why it is taken out),
                           custodian, custodian_b (the two custodians)
appraised_value            the value a revaluation replaces (collateral_value: the new one)
bank, branch               lender and branch
account_manager, ...       account_manager, account_manager_b, reviewer, approver,
                           risk_manager, branch_head, inspector, archivist, supervisor
rating                     borrower rating (AAA, AA, A, BBB, BB)
grade, previous_grade      five-level classification after and before
reason, findings           free-text reason (classification, restructuring...) and findings
signal, signal_colour      warning signal and its colour (红色 / 橙色 / 黄色)
measures                   measures taken against a warning
overdue_days, ...          overdue_days, overdue_principal, overdue_interest
court, case_no, judge      court, case number and judge
law_firm, lawyer           law firm and lawyer
insurer, policy_no         insurer and policy number
valuation_firm             valuer
new_due_date               new maturity date after an extension or restructuring
handover_from, ...         handover_from, handover_to (account managers changing hands)
person, position           the person concerned by a responsibility finding, appeal or objection
finding, sanction          responsibility finding (主要责任...) and sanction
doc_no                     the document's own number
remarks                    free-text remarks
=========================  ===================================================================

Unknown field names are ignored; empty values count as missing. Output is byte-for-byte
deterministic for the same arguments. All names, numbers, institutions and events are invented.

The package: ``render`` (``render_document``, ``render_padded``), ``titles`` (the document
types), ``facts`` and ``pools`` (the facts and the invented names they default to), ``style``,
``figures``, ``blocks`` and ``drawings`` (what every document is made of), one module per kind
of document (``origination``, ``contracts``, ``collateral``, ``monitoring``, ``collection``,
``workout``, ``writeoff``, ``responsibility``), and ``appendix`` (the padding pages).
"""

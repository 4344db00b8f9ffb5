"""Completeness register (完整性台账): every document a loan event requires, and whether it came.

Each loan event the rule set names as a trigger (``domain.rules.TRIGGERS``: 放款, 检查, 分类,
预警处置, 催收, 重组, 展期, 移交资产保全, 核销, 结清) creates — with the rules in force at that point of the
log (:class:`~projections.rules_state.FollowsRules`) — one row of ``requirements`` per document
each applicable requirement lists. A row names the rule (``rule_id``, its text) and the version of
the rule set that made it: a later ``RulesInForce.Replaced`` changes the rows created after it,
never those created before.

A document the loan's dossier files (``Dossier.DocumentFiled``) of type D satisfies a
still-missing requirement of D for that loan: the one of the event it was filed with, when that
event asks for D (the documents a command brings are filed in the same save, right after the
command's loan event — a form filed with one warning's handling is that warning's, not an
older one's); otherwise the earliest (by the log position of its trigger, then by the order of
the rules). The register applies the log in order, so every such requirement was created
before the filing. A document no open requirement asks for changes nothing. A warning signal owes one handling form: its first
handling is the trigger (the one its deadline judges, as in the warning ledger); a later
handling requires nothing more.

Dates (business dates, in the bank's time zone — Asia/Shanghai unless told otherwise):

* ``required_since`` is the triggering event's business date: the value date of a
  disbursement, the date inspected, handled, taken, restructured, approved (extension),
  written off or settled; a classification approval carries no date and counts from the day it
  was recorded.
* ``due_on`` is ``required_since`` plus the requirement's ``within_days``.
* ``filed_on``: a document filed with a command is dated by the business date of the event
  that command recorded and the document evidences (same save): the trigger itself, or another
  dated event of the loan or of its collateral (a repayment's ``paid_on``, a collateral's
  ``registered_on``…; ``DATED_EVENTS``) — it was there when the event was recorded. Any other
  filing (a supplement, 补充归档, or one with an event that carries no date) is dated by its
  record time in the bank's time zone: the archive cannot know an earlier date than the day it
  received the document. A filing after ``due_on`` closes the gap as ``filed_late`` and
  ``days_late`` keeps the lateness visible.

Two exceptions to "filed after its trigger": the documents filed with a classification proposal
(初分, typically the 五级分类认定表) that nothing claimed when they were filed are kept for
that proposal, and its approval — the trigger — takes them as if filed with it; likewise, under rules with ``warnings.form_on_raising``, the documents filed when a warning
signal is raised (发现预警信号填制《风险预警信号处理表》) are kept for the signal, and its first
handling takes them, dated the day the signal was raised.

``gaps`` holds the requirements while they are missing (the main listing); ``summary`` keeps
each loan's counts in step (``filed`` counts the late ones too, ``late`` says how many were).
The other tables are internal helpers: ``loans`` (a loan's facts), ``dossiers`` (whose dossier
is whose), ``signals`` (each signal's colour — a handling does not carry it — and whether it
was handled), ``evidence`` (per loan or collateral, the last dated event that brought
documents), ``proposal_documents`` (the unclaimed documents of a classification proposal or of a signal's
raising),
``open_items`` (per loan and document type, the queue of missing requirements) and
``rules_in_force``.

The package: ``tables`` (the table specs and the enumerations they are labelled with),
``register`` (the register and its handlers) and ``queries`` (the documents overdue).
"""

"""A loan's tasks (贷后工作): inspections, reminders, collection, warnings, grading, transfers.

One loan judged on one day with one rule set (:class:`_LoanJudge`), each kind of task by one
method; see :mod:`domain.tasks` for what each kind means.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.classification import Floor, FloorFacts, FloorPolicy, Observation, statutory_floor
from domain.rules import RuleSet
from domain.schedules import add_months
from domain.tasks.facts import LoanFacts
from domain.tasks.task import Task, TaskKind, days_text
from domain.transfers import add_working_days
from domain.values import CollectionStepKind, Role
from domain.watch import month_end


def overdue_floor(loan: LoanFacts, day: date, policy: FloorPolicy) -> Floor | None:
    """The statutory floor the days overdue on ``day`` set (监管下限), or None when current.

    Only the overdue thresholds count here: the floors of an observation period or of the
    borrower's other claims are judged when a grade is approved, from facts the register
    does not keep.
    """
    days = loan.days_overdue_on(day)
    if loan.arrears_start is None or days <= 0:
        return None
    return statutory_floor(
        FloorFacts(
            days_overdue=days,
            current_grade=loan.grade,
            observation=Observation(),
            is_retail=loan.is_retail,
            borrower_npl_share=None,
            normal_repayments_since_arrears=policy.npl_upgrade_min_repayments,
            as_of=day,
        ),
        policy,
    )


def loan_tasks(loan: LoanFacts, rules: RuleSet, today: date) -> list[Task]:
    """The loan's tasks on ``today`` (some may not be open yet: see ``opens_on``)."""
    if today < loan.value_date:
        return []
    judge = _LoanJudge(loan, rules, today)
    if loan.closed_on is not None and loan.closed_on <= today:
        return [*judge.full_transfer(), *judge.loss_review()]
    return [
        *judge.inspection(),
        *judge.special_inspection(),
        *judge.countersign(),
        *judge.reminder(),
        *judge.collection_step(),
        *judge.warning_handling(),
        *judge.warning_report(),
        *judge.emergency_plan(),
        *judge.reclassification(),
        *judge.warning_reclassification(),
        *judge.periodic_reclassification(),
        *judge.originals_transfer(),
        *judge.b_post_assignment(),
        *judge.key_customer_on_site(),
        *judge.large_customer_off_site(),
        *judge.third_party_phone_visit(),
        *judge.third_party_on_site(),
        *judge.rhythm_phone_visit(),
        *judge.signal_watch_on_site(),
        *judge.maturity_notice(),
        *judge.guarantor_reassessment(),
        *judge.zone_review(),
        *judge.zone_approval(),
        *judge.npl_plan(),
        *judge.preservation(),
        *judge.extension_preparation(),
        *judge.target_record(),
        *judge.loss_review(),
    ]


@dataclass(frozen=True)
class _LoanJudge:
    """One loan judged on one day with one rule set."""

    loan: LoanFacts
    rules: RuleSet
    today: date

    @property
    def policy(self) -> FloorPolicy:
        return self.rules.floor_policy

    def task(
        self,
        kind: TaskKind,
        *,
        opens_on: date,
        due_on: date,
        rule: str,
        owner_role: Role,
        subject: str = "",
        owner_id: UUID | None = None,
    ) -> Task:
        return Task(
            kind=kind,
            subject=subject,
            loan_no=self.loan.loan_no,
            branch=self.loan.branch,
            owner_role=owner_role,
            owner_id=owner_id or self.owner(owner_role),
            opens_on=opens_on,
            due_on=due_on,
            overdue=self.today > due_on,
            rule=rule,
            rules_version=self.rules.version,
        )

    def owner(self, role: Role) -> UUID | None:
        """The person holding ``role`` for this loan, when the log has named one."""
        people = {
            Role.ACCOUNT_MANAGER: self.loan.account_manager_id,
            Role.POST_LOAN_OFFICER: self.loan.post_loan_officer_id,
            Role.RISK_MANAGER: self.loan.risk_manager_id,
        }
        return people.get(role)

    # ------------------------------------------------------------------ inspections
    def inspection(self) -> list[Task]:
        loan, schedule = self.loan, self.rules.inspections
        due = schedule.next_due(
            value_date=loan.value_date,
            borrower_type=loan.borrower_type,
            product=loan.product,
            rating=loan.rating,
            repayment_method=loan.repayment_method,
            first_done=loan.first_inspection_done,
            last_inspected_on=loan.last_inspected_on,
            rating_change=loan.rating_change,
        )
        if due is None:
            return []
        owners = self.rules.task_owners
        if not loan.first_inspection_done:
            name = schedule.first_follow_up_rule(loan.borrower_type, loan.product)
            return [
                self.task(
                    TaskKind.FIRST_INSPECTION,
                    opens_on=loan.value_date,
                    due_on=due,
                    rule=f"inspections.{name} = {getattr(schedule, name)}",
                    owner_role=owners.first_inspection,
                )
            ]
        routine = schedule.routine_rule(loan.rating, loan.product, loan.repayment_method)
        last = loan.last_inspected_on or loan.value_date
        return [
            self.task(
                TaskKind.ROUTINE_INSPECTION,
                opens_on=last + timedelta(days=1),
                due_on=due,
                rule=f"inspections.{routine} = {getattr(schedule, str(routine))}",
                owner_role=owners.routine_inspection,
            )
        ]

    def special_inspection(self) -> list[Task]:
        loan = self.loan
        triggers = [
            (loan.last_downgrade_on, "downgrade"),
            (loan.last_serious_warning_on, "red_or_orange_warning"),
            (loan.principal_overdue_since if loan.principal_overdue else None, "principal_overdue"),
        ]
        done = loan.last_special_inspection_on
        open_triggers = sorted(
            (on, why) for on, why in triggers if on is not None and (done is None or done < on)
        )
        if not open_triggers:
            return []
        on, why = open_triggers[0]
        days = self.rules.special_inspection_days
        return [
            self.task(
                TaskKind.SPECIAL_INSPECTION,
                opens_on=on,
                due_on=on + timedelta(days=days),
                rule=f"special.within_days = {days} after {why.replace('_', ' ')}",
                owner_role=self.rules.task_owners.special_inspection,
                subject=why,
            )
        ]

    def countersign(self) -> list[Task]:
        """Each inspection awaiting its countersign: the named reviewer's, due at the deadline."""
        days = self.rules.countersign_days
        if days is None:
            return []
        return [
            self.task(
                TaskKind.COUNTERSIGN,
                opens_on=waiting.inspected_on,
                due_on=add_working_days(waiting.inspected_on, days, self.rules.calendar),
                rule=f"inspections.countersign_days = {days} working days",
                owner_role=Role.REVIEWER,
                owner_id=waiting.reviewer_id,
                # The inspection by its day, its id's first characters telling two of one
                # day apart: what a reviewer reads on the workbench.
                subject=f"{waiting.inspected_on.isoformat()} {str(waiting.inspection_id)[:8]}",
            )
            for waiting in self.loan.awaiting_countersign
        ]

    # ------------------------------------------------------------------- repayment
    def reminder(self) -> list[Task]:
        lead = self.rules.reminder_lead_days
        for due in self.loan.due_dates(self.rules.repayment):
            if due < self.today:
                continue
            opens = due - timedelta(days=lead)
            if opens > self.today:
                return []
            visited = self.loan.last_phone_visit_on
            if visited is not None and visited >= opens:
                continue
            return [
                self.task(
                    TaskKind.REPAYMENT_REMINDER,
                    opens_on=opens,
                    due_on=opens,
                    rule=f"reminders.lead_days = {lead}",
                    owner_role=self.rules.task_owners.repayment_reminder,
                    subject=due.isoformat(),
                )
            ]
        return []

    def collection_step(self) -> list[Task]:
        start = self.loan.arrears_start
        days = self.loan.days_overdue_on(self.today)
        if start is None or days <= 0:
            return []
        ladder = [
            r for r in self.rules.collection_ladder if self.loan.guarantees or not r.guarantors_only
        ]
        reached = [r for r in ladder if r.days <= days]
        if not reached:
            return []
        # The highest rung reached, or every rung of those days (a ladder may list several).
        found = []
        for rung in (r for r in reached if r.days == reached[-1].days):
            earlier = [r.days for r in reached if r.step is rung.step and r.days < rung.days]
            since = start + timedelta(days=earlier[-1] + 1) if earlier else start
            taken = self.loan.steps_taken.get(rung.step)
            if taken is not None and taken >= since:
                continue
            opens = start + timedelta(days=rung.days)
            found.append(
                self.task(
                    TaskKind.COLLECTION_STEP,
                    opens_on=opens,
                    due_on=opens,
                    rule=f"collection.ladder[{days_text(rung.days)}] {rung.step.value}",
                    owner_role=rung.owner,
                    subject=rung.step.value,
                )
            )
        return found

    def npl_plan(self) -> list[Task]:
        """From the rung marked ``npl_plan`` (day 30), an NPL management plan (不良贷款管理方案):
        the rung's owner's, until a disposal plan is submitted or the collection plan revised
        on or after the day the rung was reached in the current arrears."""
        start = self.loan.arrears_start
        rung = next((r for r in self.rules.collection_ladder if r.npl_plan), None)
        if start is None or rung is None or self.loan.days_overdue_on(self.today) < rung.days:
            return []
        opens = start + timedelta(days=rung.days)
        done = [
            self.loan.last_disposal_plan_on,
            self.loan.steps_taken.get(CollectionStepKind.PLAN_REVISED),
        ]
        if any(d is not None and d >= opens for d in done):
            return []
        return [
            self.task(
                TaskKind.NPL_PLAN,
                opens_on=opens,
                due_on=opens,
                rule=f"collection.ladder[{days_text(rung.days)}] npl_plan",
                owner_role=rung.owner,
            )
        ]

    def preservation(self) -> list[Task]:
        """The lead unit by grade (``accountability.lead_units``): a loan whose grade the asset
        preservation unit leads is transferred to it (移交资产保全); one in asset preservation
        whose grade it no longer leads (upgraded) is handed back (退回). The risk manager's,
        from the approval of the grade."""
        rules, loan = self.rules.accountability, self.loan
        belongs = rules.with_preservation(loan.grade)
        if belongs is None or belongs == loan.in_asset_preservation:
            return []
        kind = TaskKind.PRESERVATION_TRANSFER if belongs else TaskKind.PRESERVATION_RETURN
        since = loan.graded_on or loan.value_date
        return [
            self.task(
                kind,
                opens_on=since,
                due_on=since,
                rule=f"accountability.lead_units.{loan.grade.value} = {rules.lead_unit(loan.grade)}"
                f" (preservation_unit = {rules.preservation_unit})",
                owner_role=Role.RISK_MANAGER,
                subject=loan.grade.value,
            )
        ]

    def extension_preparation(self) -> list[Task]:
        """A loan of a grade ``accountability.extension_grades`` lists, nothing overdue, gets
        ``extension_prepare_days`` before maturity a task to prepare and file the materials of
        an extension or 借新还旧 (展期申请资料), due ``extension_file_days`` before it, until
        filed in its dossier from the day the task opened."""
        rules, loan = self.rules.accountability, self.loan
        window = rules.extension_window(loan.maturity_date)
        if window is None or loan.grade not in rules.extension_grades:
            return []
        if loan.days_overdue_on(self.today) > 0 or self.today > loan.maturity_date:
            return []
        opens, due = window
        opens, due = max(opens, loan.value_date), max(due, loan.value_date)
        if loan.extension_filed_on is not None and loan.extension_filed_on >= opens:
            return []
        return [
            self.task(
                TaskKind.EXTENSION_PREPARATION,
                opens_on=opens,
                due_on=due,
                rule=f"accountability.extension_prepare_days = {rules.extension_prepare_days}, "
                f"extension_file_days = {rules.extension_file_days or 0}",
                owner_role=Role.ACCOUNT_MANAGER,
                subject=loan.maturity_date.isoformat(),
            )
        ]

    def loss_review(self) -> list[Task]:
        """Each loss of the loan (三个不放过) until its review is closed: the risk manager's
        while its cause, persons responsible and measures are being recorded; the branch
        head's once recorded, to close; due ``loss_review_days`` after the loss."""
        days = self.rules.accountability.loss_review_days
        if days is None:
            return []
        return [
            self.task(
                TaskKind.LOSS_REVIEW,
                opens_on=loss.on,
                due_on=loss.on + timedelta(days=days),
                rule=f"accountability.loss_review_days = {days}",
                owner_role=Role.BRANCH_HEAD if loss.recorded else Role.RISK_MANAGER,
                subject=f"{loss.kind.value} {loss.on.isoformat()}",
            )
            for loss in self.loan.losses
            if not loss.closed and loss.on <= self.today
        ]

    def target_record(self) -> list[Task]:
        """Each loan on the books has its target-responsibility record (目标责任书, 逐笔经营
        责任认定) for the year of ``today``: the branch head's task (who signs for the bank),
        from the year's first day or the value date, due ``target_record_within_days`` later,
        until it is signed."""
        rules, loan, year = self.rules.accountability, self.loan, self.today.year
        window = rules.target_record_window(year, loan.value_date)
        if window is None or year in loan.target_years:
            return []
        opens, due = window
        return [
            self.task(
                TaskKind.TARGET_RECORD,
                opens_on=opens,
                due_on=due,
                rule=f"accountability.target_record_within_days = "
                f"{rules.target_record_within_days}",
                owner_role=Role.BRANCH_HEAD,
                subject=str(year),
            )
        ]

    def guarantor_reassessment(self) -> list[Task]:
        """Each guarantor due for re-assessment (代偿能力): ``[guarantors]`` months after the
        guarantee's registration or its last re-assessment; the task opens a month before."""
        found = []
        for guarantee in self.loan.guarantees:
            months = self.rules.guarantor_reassess_months.get(guarantee.kind)
            if months is None:
                continue
            due = add_months(guarantee.assessed_on, months)
            found.append(
                self.task(
                    TaskKind.GUARANTOR_REASSESSMENT,
                    opens_on=add_months(guarantee.assessed_on, months - 1),
                    due_on=due,
                    rule=f"guarantors.reassess_every_months.{guarantee.kind.value} = {months}",
                    owner_role=self.rules.task_owners.guarantor_reassessment,
                    subject=guarantee.guarantor_name,
                )
            )
        return found

    # --------------------------------------------------------- warnings, grading
    def warning_handling(self) -> list[Task]:
        found = []
        for signal in self.loan.warnings:
            if signal.handled:
                continue
            days = self.rules.warning_handling_days[signal.colour]
            found.append(
                self.task(
                    TaskKind.WARNING_HANDLING,
                    opens_on=signal.raised_on,
                    due_on=signal.raised_on + timedelta(days=days),
                    rule=f"warnings.handling_days.{signal.colour.value} = {days}",
                    owner_role=self.rules.task_owners.warning_handling,
                    subject=str(signal.signal_id),
                )
            )
        return found

    def warning_report(self) -> list[Task]:
        """Each signal not yet reported where the rules route its colour (报告路线): the
        route's role's, due ``within_days`` after raising; once late, escalated to the role
        the route names (or, with none, left with its role, late)."""
        found = []
        for signal in self.loan.warnings:
            route = self.rules.warnings.reporting.get(signal.colour)
            if signal.reported or route is None:
                continue
            due = signal.raised_on + timedelta(days=route.within_days)
            rule = f"warnings.reporting.{signal.colour.value}: {route.to.value} within {days_text(route.within_days)}"
            owner = route.to
            if self.today > due and route.escalate_to is not None:
                owner = route.escalate_to
                rule += f", late: escalated to {route.escalate_to.value}"
            found.append(
                self.task(
                    TaskKind.WARNING_REPORT,
                    opens_on=signal.raised_on,
                    due_on=due,
                    rule=rule,
                    owner_role=owner,
                    subject=str(signal.signal_id),
                )
            )
        return found

    def emergency_plan(self) -> list[Task]:
        """Each signal whose colour starts an emergency plan (应急预案, ``warnings.
        emergency_plan_colours``) and whose plan is not started: due ``emergency_plan_days``
        after raising (0: the same day, 立即启动)."""
        days = self.rules.warnings.emergency_plan_days
        return [
            self.task(
                TaskKind.EMERGENCY_PLAN,
                opens_on=signal.raised_on,
                due_on=signal.raised_on + timedelta(days=days),
                rule=f"warnings.emergency_plan_colours: start within {days_text(days)} of a "
                f"{signal.colour.value} warning",
                owner_role=self.rules.task_owners.emergency_plan,
                subject=str(signal.signal_id),
            )
            for signal in self.loan.warnings
            if signal.plan_required and not signal.plan_started
        ]

    def warning_reclassification(self) -> list[Task]:
        """A signal of a colour calling for it (``warnings.reclassify_colours``, red) opens the
        re-classification (风险分类调整) until a proposal as of its day or later is made."""
        raised = self.loan.last_reclassify_warning_on
        last = self.loan.last_proposed_as_of
        if raised is None or (last is not None and last >= raised):
            return []
        days = self.rules.warnings.reclassify_within_days
        return [
            self.task(
                TaskKind.RECLASSIFICATION,
                opens_on=raised,
                due_on=raised + timedelta(days=days),
                rule=f"warnings.reclassify_within_days = {days} after a "
                f"{'/'.join(sorted(c.value for c in self.rules.warnings.reclassify_colours))} "
                "warning",
                owner_role=self.rules.task_owners.reclassification,
                subject="warning",
            )
        ]

    def reclassification(self) -> list[Task]:
        loan = self.loan
        start = loan.arrears_start
        days = loan.days_overdue_on(self.today)
        floor = overdue_floor(loan, self.today, self.policy)
        if start is None or floor is None or floor.grade.severity <= loan.grade.severity:
            return []
        threshold = max(
            (t for t, g in self.policy.overdue_thresholds if days > t and g is floor.grade),
            default=0,
        )
        opens = start + timedelta(days=threshold + 1)
        proposed = loan.proposed_grade
        owners = self.rules.task_owners
        owner = owners.reclassification
        if proposed is not None and loan.proposal_undetermined:
            # A proposal awaits its determination (认定), which may set another grade.
            owner = owners.reclassification_awaiting_determination
        elif proposed is not None and proposed.severity >= floor.grade.severity:
            # A proposal at or below the floor awaits the risk manager's approval (审批).
            owner = owners.reclassification_awaiting_approval
        return [
            self.task(
                TaskKind.RECLASSIFICATION,
                opens_on=opens,
                due_on=opens,
                rule=f"floor: overdue > {days_text(threshold)} ⇒ at least {floor.grade.zh}",
                owner_role=owner,
                subject=floor.grade.value,
            )
        ]

    def periodic_reclassification(self) -> list[Task]:
        """A countersigned routine inspection asks for a classification proposal (初分) as of
        its date or later (季度风险分类更新), within ``classification.review_within_days``."""
        loan, days = self.loan, self.rules.review_within_days
        since, opened = loan.periodic_review_since, loan.periodic_review_opened_on
        if days is None or since is None or opened is None:
            return []
        if loan.last_proposed_as_of is not None and loan.last_proposed_as_of >= since:
            return []
        return [
            self.task(
                TaskKind.PERIODIC_RECLASSIFICATION,
                opens_on=opened,
                due_on=opened + timedelta(days=days),
                rule=f"classification.review_within_days = {days} after routine inspection",
                owner_role=self.rules.task_owners.periodic_reclassification,
                subject=since.isoformat(),
            )
        ]

    # ------------------------------------------------------------ account managers
    def b_post_assignment(self) -> list[Task]:
        """A loan the rules say needs a B岗 (贷后检查设A、B岗, 双人管户) and has none: the
        branch head's, from the value date, until one is assigned."""
        loan = self.loan
        if loan.b_manager_id is not None or loan.principal is None:
            return []
        rule = self.rules.managers.b_post_rule(
            borrower_type=loan.borrower_type.value,
            product=loan.product.value,
            principal=loan.principal,
        )
        if rule is None:
            return []
        return [
            self.task(
                TaskKind.B_POST_ASSIGNMENT,
                opens_on=loan.value_date,
                due_on=loan.value_date,
                rule=f"managers.b_post_required: {rule.describe()}",
                owner_role=self.rules.task_owners.b_post_assignment,
            )
        ]

    # ---------------------------------------------------------------- 三大区间
    def zone_review(self) -> list[Task]:
        """The customer's zone and plan reviewed every ``review_months`` of its zone from the
        approval or the last review: open the month before it falls due, the task of the
        person the plan names responsible."""
        loan = self.loan
        if loan.zone is None or loan.zone_reviewed_on is None:
            return []
        zone = self.rules.zones.zones.get(loan.zone)
        if zone is None:  # a zone the rules in force no longer hold: nothing to judge it by
            return []
        due = add_months(loan.zone_reviewed_on, zone.review_months)
        opens = max(add_months(due, -1), loan.zone_reviewed_on + timedelta(days=1))
        return [
            self.task(
                TaskKind.ZONE_REVIEW,
                opens_on=opens,
                due_on=due,
                rule=f"zones.{zone.code}.review_months = {zone.review_months}",
                owner_role=self.rules.task_owners.zone_review,
                owner_id=loan.zone_responsible_id,
                subject=zone.zh,
            )
        ]

    def zone_approval(self) -> list[Task]:
        """A proposed zone awaiting its approval: the approver's, from the day proposed."""
        since = self.loan.zone_pending_since
        if since is None:
            return []
        return [
            self.task(
                TaskKind.ZONE_APPROVAL,
                opens_on=since,
                due_on=since,
                rule="zones: approved by another than the proposer",
                owner_role=self.rules.task_owners.zone_approval,
            )
        ]

    # ------------------------------------------------------------------ closer watch
    def _every(
        self,
        kind: TaskKind,
        *,
        since: date,
        last: date | None,
        due_on: date,
        rule: str,
        owner_role: Role,
        subject: str = "",
    ) -> list[Task]:
        """A monitoring task repeating from ``since``: open from the day after the last
        inspection that counts (from ``since`` when none has)."""
        opens = since if last is None else last + timedelta(days=1)
        return [
            self.task(
                kind,
                opens_on=opens,
                due_on=due_on,
                rule=rule,
                owner_role=owner_role,
                subject=subject,
            )
        ]

    def key_customer_on_site(self) -> list[Task]:
        """A key customer (重点客户) monitored on site every N months (按季现场监测)."""
        loan, months = self.loan, self.rules.watch.key_customer_on_site_months
        since = loan.key_customer_since
        if months is None or since is None:
            return []
        last = (
            loan.last_on_site_on if loan.last_on_site_on and loan.last_on_site_on >= since else None
        )
        return self._every(
            TaskKind.KEY_CUSTOMER_ON_SITE,
            since=since,
            last=last,
            due_on=add_months(last or since, months),
            rule=f"watch.key_customer_on_site_months = {months}",
            owner_role=self.rules.task_owners.closer_watch,
        )

    def large_customer_off_site(self) -> list[Task]:
        """A large customer (额度较大) monitored off site every N months (按月非现场监测)."""
        loan, watch = self.loan, self.rules.watch
        months = watch.large_customer_off_site_months
        if months is None or not watch.is_large(loan.principal):
            return []
        last = loan.last_off_site_on
        return self._every(
            TaskKind.LARGE_CUSTOMER_OFF_SITE,
            since=loan.value_date,
            last=last,
            due_on=add_months(last or loan.value_date, months),
            rule=(
                f"watch.large_customer_off_site_months = {months}"
                f" (principal >= {watch.large_customer_min_principal})"
            ),
            owner_role=self.rules.task_owners.closer_watch,
        )

    def third_party_phone_visit(self) -> list[Task]:
        """A third-party-serviced loan's contact phoned every N days (电话回访)."""
        loan, days = self.loan, self.rules.watch.third_party_phone_visit_days
        since = loan.third_party_since
        if days is None or since is None:
            return []
        visited = loan.last_phone_visit_on
        last = visited if visited is not None and visited >= since else None
        return self._every(
            TaskKind.THIRD_PARTY_PHONE_VISIT,
            since=since,
            last=last,
            due_on=(last or since) + timedelta(days=days),
            rule=f"watch.third_party_phone_visit_days = {days}",
            owner_role=self.rules.task_owners.closer_watch,
            subject=loan.third_party_contact or "",
        )

    def rhythm_phone_visit(self) -> list[Task]:
        """The customer phoned in the days its operating rhythm names (电话回访：时间依客户运营
        规律): due by the window's last day, done by a phone visit within the window; the one
        window opened by today is owed until a visit is recorded in it or the next opens."""
        loan, rhythm = self.loan, self.loan.rhythm
        if rhythm is None:
            return []
        latest, following = rhythm.windows_around(self.today)
        visited = loan.last_phone_visit_on
        window = following
        owed = latest is not None and latest[1] >= loan.value_date
        if owed and latest is not None and (visited is None or visited < latest[0]):
            window = latest
        subject = f"客户运营规律：{rhythm.describe()}"
        return [
            self.task(
                TaskKind.RHYTHM_PHONE_VISIT,
                opens_on=window[0],
                due_on=window[1],
                rule=f"customer rhythm: months {list(rhythm.months)}, days "
                f"{rhythm.from_day}-{rhythm.to_day}",
                owner_role=self.rules.task_owners.closer_watch,
                subject=subject,
            )
        ]

    def third_party_on_site(self) -> list[Task]:
        """A third-party-serviced loan visited on site N times each calendar month (现场走访)."""
        loan, times = self.loan, self.rules.watch.third_party_on_site_per_month
        since = loan.third_party_since
        if times is None or since is None or self.today < since:
            return []
        month = self.today.strftime("%Y-%m")
        done = loan.on_site_in_month if loan.on_site_month == month else 0
        if loan.last_on_site_on is not None and loan.last_on_site_on < since:
            done = 0  # visits before the servicer was assigned do not count
        if done >= times:
            return []
        return [
            self.task(
                TaskKind.THIRD_PARTY_ON_SITE,
                opens_on=max(self.today.replace(day=1), since),
                due_on=month_end(self.today),
                rule=f"watch.third_party_on_site_per_month = {times} ({done} done)",
                owner_role=self.rules.task_owners.closer_watch,
                subject=month,
            )
        ]

    def signal_watch_on_site(self) -> list[Task]:
        """While a signal of a colour ``watch.open_signal_on_site_days`` names is open (raised,
        not cleared), the loan inspected on site every that many days (加密监测), from the
        earliest such signal's raising or the last on-site inspection since; the closest
        cadence of the open signals holds."""
        loan, cadence = self.loan, self.rules.watch.open_signal_on_site_days
        watched = [
            (cadence[s.colour], s.raised_on, s.colour)
            for s in loan.warnings
            if s.colour in cadence and s.raised_on <= self.today
        ]
        if not watched:
            return []
        days, _, colour = min(watched, key=lambda w: (w[0], w[1]))
        since = min(raised for _, raised, _ in watched)
        seen = loan.last_on_site_on
        last = seen if seen is not None and seen >= since else None
        return self._every(
            TaskKind.SIGNAL_WATCH_ON_SITE,
            since=since,
            last=last,
            due_on=(last or since) + timedelta(days=days),
            rule=f"watch.open_signal_on_site_days.{colour.value} = {days}",
            owner_role=self.rules.task_owners.closer_watch,
        )

    def maturity_notice(self) -> list[Task]:
        """The maturity notice (贷款到期通知书) of a loan maturing soon, until one announcing
        its maturity date is recorded."""
        loan = self.loan
        window = self.rules.watch.maturity_notice_window(loan.maturity_date)
        if window is None or loan.maturity_notice_for == loan.maturity_date:
            return []
        if self.today > loan.maturity_date:
            return []
        opens, due = window
        ahead = self.rules.watch.maturity_notice_months_ahead
        return [
            self.task(
                TaskKind.MATURITY_NOTICE,
                opens_on=max(opens, loan.value_date),
                due_on=max(due, loan.value_date),
                rule=f"watch.maturity_notice_months_ahead = {ahead}",
                owner_role=self.rules.task_owners.maturity_notice,
                subject=loan.maturity_date.isoformat(),
            )
        ]

    # ------------------------------------------------------------------- transfers
    def originals_transfer(self) -> list[Task]:
        if self.loan.originals_transferred:
            return []
        days = self.rules.originals_transfer_working_days
        return [
            self.task(
                TaskKind.ORIGINALS_TRANSFER,
                opens_on=self.loan.value_date,
                due_on=add_working_days(self.loan.value_date, days, self.rules.calendar),
                rule=f"transfers.originals_working_days = {days}",
                owner_role=self.rules.task_owners.originals_transfer,
            )
        ]

    def full_transfer(self) -> list[Task]:
        closed = self.loan.closed_on
        if closed is None or self.loan.full_transferred:
            return []
        days = self.rules.full_transfer_days
        return [
            self.task(
                TaskKind.FULL_TRANSFER,
                opens_on=closed,
                due_on=closed + timedelta(days=days),
                rule=f"transfers.full_after_close_days = {days}",
                owner_role=self.rules.task_owners.full_transfer,
            )
        ]

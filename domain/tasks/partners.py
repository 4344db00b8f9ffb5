"""Communications with third-party servicers (与第三方服务机构定期沟通核实客户信息).

A servicer cooperating with the bank (domain/partners.py) is talked to every
``[partners] communication_every_days`` to verify its customers' information: the task is the
post-loan officer's of the unit managing the cooperation, due that many days after the
registration or the last communication; a suspended servicer asks for none.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.rules import RuleSet
from domain.tasks.facts import PartnerFacts
from domain.tasks.task import Task, TaskKind
from domain.values import Role


def communication_tasks(partner: PartnerFacts, rules: RuleSet, today: date) -> list[Task]:
    """The next communication with the servicer, due every ``communication_every_days``."""
    every = rules.partners.communication_every_days
    if every is None:
        return []
    since = partner.last_communicated_on or partner.registered_on
    due = since + timedelta(days=every)
    return [
        Task(
            kind=TaskKind.SERVICER_COMMUNICATION,
            subject=partner.name,
            loan_no=None,
            branch=partner.branch,
            owner_role=Role.POST_LOAN_OFFICER,
            owner_id=None,
            opens_on=since,
            due_on=due,
            overdue=today > due,
            rule=f"partners.communication_every_days = {every}",
            rules_version=rules.version,
            partner_code=partner.credit_code,
        )
    ]

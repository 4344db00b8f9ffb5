"""The demo bank's people (演示人员): three branches and the head-office departments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.values import Role

BANK = "云溪农村商业银行股份有限公司"
BANK_ABBR = "云溪农商"
HEAD_OFFICE = "总行"


@dataclass(frozen=True)
class Person:
    """A member of staff as enrolled: number (工号), name, branch (机构) and duty."""

    staff_no: str
    name: str
    branch: str
    role: Role


@dataclass(frozen=True)
class Crew:
    """The people of one branch who lend and look after its loans."""

    branch: str
    head: str
    account_managers: tuple[str, ...]
    reviewer: str
    post_loan_officer: str
    weight: float


_AM, _RV, _PLO, _BH = (
    Role.ACCOUNT_MANAGER,
    Role.REVIEWER,
    Role.POST_LOAN_OFFICER,
    Role.BRANCH_HEAD,
)
ROSTER: tuple[Person, ...] = (
    Person("0101", "周建国", "营业部", _BH),
    Person("0102", "林海燕", "营业部", _AM),
    Person("0103", "陈志强", "营业部", _AM),
    Person("0104", "黄丽华", "营业部", _RV),
    Person("0105", "吴磊", "营业部", _PLO),
    Person("0201", "郑卫东", "城东支行", _BH),
    Person("0202", "王晓东", "城东支行", _AM),
    Person("0203", "刘春梅", "城东支行", _AM),
    Person("0204", "赵文斌", "城东支行", _RV),
    Person("0205", "孙婷", "城东支行", _PLO),
    Person("0301", "何振华", "城西支行", _BH),
    Person("0302", "徐佳怡", "城西支行", _AM),
    Person("0303", "马俊杰", "城西支行", _AM),
    Person("0304", "蒋立新", "城西支行", _AM),
    Person("0305", "罗慧敏", "城西支行", _RV),
    Person("0306", "胡海波", "城西支行", _PLO),
    Person("0901", "郭立新", HEAD_OFFICE, Role.RISK_MANAGER),
    Person("0902", "梁雪梅", HEAD_OFFICE, Role.RISK_MANAGER),
    Person("0903", "宋德明", HEAD_OFFICE, Role.RISK_MANAGER),
    Person("0911", "唐玉兰", HEAD_OFFICE, Role.ARCHIVIST),
    Person("0912", "许国华", HEAD_OFFICE, Role.ARCHIVE_HEAD),
    Person("0913", "沈秀英", HEAD_OFFICE, Role.ARCHIVIST),
    Person("0921", "韩淑珍", HEAD_OFFICE, Role.COMPLIANCE),
    Person("0931", "冯志明", HEAD_OFFICE, Role.AUDITOR),
    Person("0932", "邓晨曦", HEAD_OFFICE, Role.AUDITOR),
    Person("0941", "曹宇航", HEAD_OFFICE, Role.ADMINISTRATOR),
    # The integration identity (系统对接岗) the core system's day-end batches are imported with.
    Person("0951", "核心系统对接", HEAD_OFFICE, Role.INTEGRATION),
    # The head office's head (总行行长), who reads what the branches send up (阅知).
    Person("0900", "高志远", HEAD_OFFICE, Role.BRANCH_HEAD),
)
NAMES: Mapping[str, str] = MappingProxyType({p.staff_no: p.name for p in ROSTER})

CREWS: tuple[Crew, ...] = (
    Crew("营业部", "0101", ("0102", "0103"), "0104", "0105", 0.40),
    Crew("城东支行", "0201", ("0202", "0203"), "0204", "0205", 0.30),
    Crew("城西支行", "0301", ("0302", "0303", "0304"), "0305", "0306", 0.30),
)
RISK_MANAGERS: tuple[str, ...] = ("0901", "0902", "0903")
AUDITORS: tuple[str, ...] = ("0931", "0932")
ARCHIVIST = "0911"
ARCHIVISTS: tuple[str, ...] = (ARCHIVIST, "0913")
"""The two custodians of collateral title certificates (押品权证双人管理)."""

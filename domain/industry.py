"""The industry of a borrower (所属行业): the sections (门类) of GB/T 4754-2017
《国民经济行业分类》, by letter and name, as the standard gives them.

A loan records its borrower's section when it is booked, or later through the borrower
information maintenance (贷款信息维护, with the evidence of the change: SUS-01); the portfolio
metrics group by it (``by=industry``, SUS-02) and a risk notice may concern one (SUS-05).

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

from domain.values import LabelledEnum


class Industry(LabelledEnum):
    """A section (门类) of GB/T 4754-2017, by its letter."""

    A = ("A", "农、林、牧、渔业")
    B = ("B", "采矿业")
    C = ("C", "制造业")
    D = ("D", "电力、热力、燃气及水生产和供应业")
    E = ("E", "建筑业")
    F = ("F", "批发和零售业")
    G = ("G", "交通运输、仓储和邮政业")
    H = ("H", "住宿和餐饮业")
    I = ("I", "信息传输、软件和信息技术服务业")  # noqa: E741 - the standard's letter
    J = ("J", "金融业")
    K = ("K", "房地产业")
    L = ("L", "租赁和商务服务业")
    M = ("M", "科学研究和技术服务业")
    N = ("N", "水利、环境和公共设施管理业")
    O = ("O", "居民服务、修理和其他服务业")  # noqa: E741 - the standard's letter
    P = ("P", "教育")
    Q = ("Q", "卫生和社会工作")
    R = ("R", "文化、体育和娱乐业")
    S = ("S", "公共管理、社会保障和社会组织")
    T = ("T", "国际组织")

    @property
    def label(self) -> str:
        """``C 制造业``: the letter and the name, as the registers and reports show it."""
        return f"{self.value} {self.zh}"


UNRECORDED = "未登记行业"
"""The group of the loans whose borrower's industry was never recorded."""


def industry_label(code: str | None) -> str:
    """The letter and name of section ``code``, or :data:`UNRECORDED`."""
    found = next((i for i in Industry if i.value == code), None)
    return found.label if found is not None else UNRECORDED

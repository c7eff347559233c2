"""Demo data: periodic re-reviews (定期复核), so that the task inbox and the household files show them.

Reviews are scheduled as of 31 December 2018 for every open assistance entitlement (yearly, or
half-yearly for 低保 households with a member able to work or an income), then a handful of
市桥街道 低保 reviews are completed through the real service: most "continue" (recorded by the
town caseworker `shiqiao`, no change to any payment), one "adjust" decided by the district
(`quju`) with a new assessed income taking effect in January 2019 — after the demo's payroll
year, so no figure of 2018 changes. The other reviews stay due (overdue by now) in the inbox.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from minzheng.accounts.models import User
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.months import Month

from ..models import Review, ReviewOutcome, ReviewStatus
from ..programs import Program
from ..services.reviews import complete_review, schedule_reviews

SCHEDULED_ON = date(2018, 12, 31)
SHIQIAO = "440113007000"
CONTINUED = 4
#: The adjustment takes effect after the last month the demo pays (December 2018).
ADJUST_FROM = Month(2019, 1)
FINDINGS = [
    "入户调查：家庭人口、收入和财产状况无变化，继续享受低保",
    "入户核查并经济状况核对：家庭收入仍低于低保标准，继续享受",
    "走访邻居、村居委会核实：家庭情况无变化",
    "核对社保、工商、车辆信息无异常，继续享受低保",
]


@demo_step(180, "assistance-reviews")
def create_reviews(ctx: DemoContext) -> None:
    if Review.objects.filter(status=ReviewStatus.DONE).exists():
        ctx.log("复核：已有演示数据，跳过")
        return
    created = schedule_reviews(today=SCHEDULED_ON)
    users = {u.username: u for u in User.objects.filter(username__in=["shiqiao", "quju"])}
    due = list(
        Review.objects.filter(
            status=ReviewStatus.DUE,
            entitlement__scheme__code=Program.DIBAO,
            region__parent__code=SHIQIAO,
        )
        .select_related("entitlement")
        .order_by("due_on", "pk")[: CONTINUED + 1]
    )
    for review, findings in zip(due[:CONTINUED], FINDINGS, strict=False):
        complete_review(review, actor=users["shiqiao"], outcome=ReviewOutcome.CONTINUE, findings=findings)
    adjusted = due[CONTINUED:]
    for review in adjusted:
        income = (review.entitlement.assessed_income or Decimal("0")) + Decimal("300")
        complete_review(
            review,
            actor=users["quju"],
            outcome=ReviewOutcome.ADJUST,
            findings=f"复核发现家庭成员新增灵活就业收入，核定家庭月收入调整为{income}元",
            assessed_income=income,
            effective_month=ADJUST_FROM,
        )
    ctx.log(
        f"复核：按{SCHEDULED_ON:%Y-%m-%d}安排复核 {created} 件，"
        f"办结 {len(due)} 件（继续享受 {len(due) - len(adjusted)} 件，调整金额 {len(adjusted)} 件）"
    )

"""Indicators of 医疗救助 and 临时救助 (ids as in FIGURES.md, plus extras).

- `assistance.medical.visits` (人次): approved medical-assistance claims with a visit date in
  the period, counted per claim (one visit = one person-time), by the claimant's 村居.
- `assistance.medical.paid` (万元): paid payroll lines of the `medical` scheme (the payroll's
  definition: approved runs, pending or paid lines, arrears included, held and failed lines not).
- Extras: `assistance.temporary.cases` (宗: grants approved in the period) and
  `assistance.temporary.paid` (万元, payroll lines of the `temporary` scheme).

Drill-down lists never show the diagnosis (health data).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from minzheng.benefits.indicators import register_scheme_indicator
from minzheng.stats.registry import Period, Result, indicator

from ..models import ClaimStatus, MedicalClaim, TemporaryAid
from ..selectors.medical import approved_claims, temporary_aid_granted

CLAIM_COLUMNS = (
    (_("就诊人"), "person__name"),
    (_("村居"), "region__name"),
    (_("就诊日期"), "visit_date"),
    (_("医院"), "hospital"),
    (_("就诊类别"), "visit_type"),
    (_("个人自付（元）"), "out_of_pocket"),
    (_("救助金额（元）"), "reimbursed"),
)
AID_COLUMNS = (
    (_("救助对象"), "person__name"),
    (_("村居"), "region__name"),
    (_("审批日期"), "granted_on"),
    (_("急难类型"), "emergency_type"),
    (_("救助金额（元）"), "amount"),
)


@indicator(
    "assistance.medical.visits",
    name=_("医疗救助人次"),
    unit="人次",
    kind="flow",
    definition=_(
        "统计期内就诊日期所在的、已核准的医疗救助报销单数：每次就诊计一人次（含因达到年度封顶线"
        "而救助金额为0的就诊），不予救助的不计。按就诊人户籍村居归入区域。"
    ),
    columns=CLAIM_COLUMNS,
)
def medical_visits(period: Period, region):
    if not MedicalClaim.objects.filter(
        status=ClaimStatus.APPROVED, visit_date__range=(period.start, period.end)
    ).exists():
        return None
    records = approved_claims(period.start, period.end, region).select_related("person", "region")
    return Result(value=records.count(), records=records.order_by("visit_date", "id"))


register_scheme_indicator("assistance.medical.paid", ["medical"], "paid", name=_("医疗救助发放金额"))
register_scheme_indicator("assistance.temporary.paid", ["temporary"], "paid", name=_("临时救助发放金额"))


@indicator(
    "assistance.temporary.cases",
    name=_("临时救助宗数"),
    unit="宗",
    kind="flow",
    definition=_("统计期内审批日期所在的临时救助宗数（每次批准的救助计一宗），按救助对象所属村居归入区域。"),
    columns=AID_COLUMNS,
)
def temporary_cases(period: Period, region):
    if not TemporaryAid.objects.filter(granted_on__range=(period.start, period.end)).exists():
        return None
    records = temporary_aid_granted(period.start, period.end, region).select_related("person", "region")
    return Result(value=records.count(), records=records.order_by("granted_on", "id"))

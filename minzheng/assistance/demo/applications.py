"""Demo data: applications in flight in every status of the procedure, so that the task inbox,
the public notices and the household files have content.

The cases are taken in "now" (the procedure's deadlines are counted from the real date) in 市桥街道,
by the 市桥 town user `shiqiao`, the 社区协理员 `cunju` for her own community, and approved by
`quju`. Each goes through the real application services as far as its planned status: 已申请,
待补齐材料, 已受理, 待镇街审核, 公示中, 待区级审批, 已批准, 不予批准, 已撤回. The cases that must be
past their notice are moved on first (their notice is closed as if the seven days had passed),
then the cases that stay in 公示 are opened. Applicants are people the payroll demo did not use.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.benefits.models import Entitlement
from minzheng.core.demo import DemoContext, demo_step
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Household, Membership, Person, Region
from minzheng.registry.services import register_person

from ..models import Application, ApplicationStatus
from ..programs import Program
from ..services.applications import (
    accept_application,
    district_decide,
    list_missing_items,
    record_investigation,
    refuse_application,
    submit_application,
    town_review,
    withdraw_application,
)
from ..services.notices import close_expired_notices, notice_period

S = ApplicationStatus
# planned final status → how many 低保 cases, how many disability-subsidy cases
PLAN = [
    (S.APPLIED, 4, 2),
    (S.INCOMPLETE, 3, 1),
    (S.ACCEPTED, 4, 2),
    (S.INVESTIGATED, 3, 2),
    (S.DISTRICT_REVIEW, 3, 1),
    (S.APPROVED, 2, 1),
    (S.REFUSED, 2, 1),
    (S.WITHDRAWN, 1, 0),
    (S.NOTICE, 4, 1),  # last: their notice stays open
]
REASONS = [
    "家庭主要劳动力患病，无稳定收入",
    "户主失业，子女在读，生活困难",
    "老人独居，仅靠少量养老金生活",
    "家庭成员残疾，需长期照料",
    "突发重病，医疗支出大",
]
MISSING = ["户口簿复印件", "家庭成员收入证明", "残疾人证复印件", "经济状况核对授权书（全体成员签字）"]


def _applicants(ctx: DemoContext, dibao_count: int, subsidy_count: int):
    """市桥 households with no 低保 or 特困, and 市桥 disabled persons without the subsidy applied for."""
    holders = set(Entitlement.objects.values_list("person_id", flat=True))
    busy = set(Application.objects.values_list("person_id", flat=True))
    households = list(
        Household.objects.filter(
            region__parent__code="440113007000", head__isnull=False, head__death_date__isnull=True
        )
        .exclude(head_id__in=holders | busy)
        .exclude(memberships__person_id__in=holders)
        .select_related("head", "region")
        .order_by("pk")
        .distinct()[:400]
    )
    ctx.rng.shuffle(households)
    disabled = list(
        Person.objects.filter(
            region__parent__code="440113007000", disability_grade__isnull=False, death_date__isnull=True
        )
        .exclude(pk__in=holders | busy)
        .exclude(pk__in=[h.head_id for h in households[:dibao_count]])
        .order_by("pk")[:200]
    )
    # 困难残疾人生活补贴 (grades 3–4 here) only for members of a household on 低保: the others,
    # investigated without an income here, would be refused at 镇街审核 (application_rules)
    dibao_members = set(
        Membership.objects.filter(
            valid_to__isnull=True,
            household__entitlements__scheme__code=Program.DIBAO,
            household__entitlements__status=Entitlement.Status.ACTIVE,
        ).values_list("person_id", flat=True)
    )
    disabled = [p for p in disabled if p.disability_grade <= 2 or p.pk in dibao_members]
    ctx.rng.shuffle(disabled)
    villages = list(
        Region.objects.filter(parent__code="440113007000", valid_to__isnull=True).order_by("code")
    )
    used = set()
    while len(disabled) < subsidy_count:  # newly certified persons, registered as a caseworker would
        born = date(ctx.rng.randint(1940, 2000), ctx.rng.randint(1, 12), ctx.rng.randint(1, 28))
        number = make_id_number("440113", born, ctx.rng.randrange(0, 1000))
        if number in used or Person.objects.filter(id_number=number).exists():
            continue
        used.add(number)
        disabled.append(
            register_person(
                actor=ctx.actor,
                id_number=number,
                name=ctx.rng.choice("陈李黄梁何罗")
                + ctx.rng.choice(["志强", "秀英", "国华", "丽芳", "伟明"]),
                region=ctx.rng.choice(villages),
                disability_category=ctx.rng.choice(["physical", "visual", "mental"]),
                disability_grade=ctx.rng.choice([1, 2]),  # 重度: the nursing subsidy, no income test
            )
        )
    return households[:dibao_count], disabled[:subsidy_count]


def _submit(ctx, users, program, person, household, today):
    village_user = users["cunju"]
    submitter = village_user if person.region_id == village_user.scope_id else users["shiqiao"]
    relative = ctx.rng.random() < 0.1
    return submit_application(
        actor=submitter,
        program=program,
        person=person,
        household=household,
        applied_on=today - timedelta(days=ctx.rng.randint(0, 6)),
        reason=ctx.rng.choice(REASONS),
        declared_income=Decimal(ctx.rng.randrange(0, 1200, 50)),
        relative_in_civil_affairs=relative,
        relative_note="其配偶在村（居）委会工作" if relative else "",
    )


def _advance(ctx, users, application, goal, members: int) -> None:
    """Move one case as far as `goal` (stopping at 公示 for the cases that pass it later)."""
    town, district = users["shiqiao"], users["quju"]
    if goal == S.APPLIED:
        return
    if goal == S.INCOMPLETE:
        list_missing_items(application, actor=town, items=ctx.rng.sample(MISSING, 2))
        return
    if goal == S.WITHDRAWN:
        withdraw_application(application, actor=town, opinion="申请人家庭收入已改善，主动撤回申请")
        return
    if goal == S.REFUSED and ctx.rng.random() < 0.5:
        refuse_application(application, actor=town, reasons="申请人拒绝签署家庭经济状况核对授权书，不予受理")
        return
    accept_application(application, actor=town, opinion="材料齐全，予以受理")
    if goal == S.ACCEPTED:
        return
    investigator = district if application.relative_in_civil_affairs else town
    dibao = application.program == Program.DIBAO
    income = Decimal(ctx.rng.randrange(0, 300 * members + 1, 10)) if dibao else None
    if goal == S.REFUSED:
        income = Decimal(1200 * members) if dibao else None
    record_investigation(
        application,
        actor=investigator,
        assessed_income=income,
        result_text="已入户调查，经家庭经济状况核对，家庭人均收入"
        + ("高于" if goal == S.REFUSED else "低于")
        + "当地低保标准",
    )
    if goal == S.INVESTIGATED:
        return
    if goal == S.REFUSED:
        town_review(
            application, actor=town, approve=False, opinion="经核对，家庭人均收入高于低保标准，不符合条件"
        )
        return
    town_review(application, actor=town, approve=True, opinion="审核同意，予以公示")


@demo_step(170, "assistance-applications")
def create_applications(ctx: DemoContext) -> None:
    if Application.objects.exists():
        ctx.log("申请：已有演示数据，跳过")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["shiqiao", "cunju", "quju"])}
    today = timezone.localdate()
    households, disabled = _applicants(ctx, sum(p[1] for p in PLAN), sum(p[2] for p in PLAN))
    cases = []
    for goal, dibao_count, subsidy_count in PLAN:
        for _ in range(dibao_count):
            household = households.pop()
            cases.append((goal, Program.DIBAO, household.head, household))
        for _ in range(subsidy_count):
            person = disabled.pop()
            program = Program.NURSING_SUBSIDY if person.disability_grade <= 2 else Program.LIVING_SUBSIDY
            cases.append((goal, program, person, None))
    later, applications = [], []
    for goal, program, person, household in cases:
        application = _submit(ctx, users, program, person, household, today)
        applications.append(application)
        members = (
            Membership.objects.filter(household=household, valid_to__isnull=True).count() if household else 1
        )
        if goal == S.NOTICE:
            later.append((application, members))
            continue
        _advance(ctx, users, application, goal, members)
    # the notices opened so far have run their seven days with no objection
    close_expired_notices(today=notice_period(today)[1] + timedelta(days=1))
    approve = [a for a, (goal, *_rest) in zip(applications, cases, strict=True) if goal == S.APPROVED]
    for application in approve:
        application.refresh_from_db()
        district_decide(application, actor=users["quju"], approve=True, opinion="经审批，同意给予救助")
    for application, members in later:
        _advance(ctx, users, application, S.NOTICE, members)
    counts = {
        str(label): Application.objects.filter(status=value).count()
        for value, label in ApplicationStatus.choices
    }
    ctx.log("申请：" + "，".join(f"{label} {n} 件" for label, n in counts.items() if n))

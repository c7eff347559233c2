"""The payee of a household benefit (低保 and any other assistance scheme paid per household).

**Death of the payee** (`handle_payee_death`, run after the death is committed — see
receivers.py): every open household entitlement of an assistance scheme paid to the deceased
- is suspended from the month after death when no other adult member remains in the household
  (nobody can receive the money; the children's share is not lost — see `change_payee`);
  otherwise it keeps running (the household is still entitled) until the town designates a new
  payee;
- gets an urgent review (`open_payee_review`, due `PAYEE_REVIEW_WORKING_DAYS` working days after
  the death is processed) so the town designates a new payee.

**Designating a payee** (`change_payee`, town or village staff in scope, like a review): the new
payee must be a current, living adult member of the household. The entitlement is paid to them
from the next run (lines already built keep their payee); an entitlement suspended because its
payee died is resumed from the month after the death — months not paid since then follow as
arrears in the next run; the open review is completed ("继续享受", findings name the new payee).
Suspension and resumption after a death are system consequences of the event (no actor), the
designation is audited with the staff member who made it.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.benefits import services as benefits
from minzheng.benefits.models import Entitlement, Scheme
from minzheng.benefits.recalculation import flag_adjustment
from minzheng.core.masking import ADULT_AGE, display_name, is_minor
from minzheng.core.months import Month
from minzheng.core.workdays import add_working_days
from minzheng.registry.models import Household, Person

from ..models import Review, ReviewOutcome, ReviewStatus
from ..programs import SCHEMES
from .reviews import PAYEE_REVIEW, complete_review, open_payee_review

#: Assistance schemes paid per household (a payee stands for the household).
HOUSEHOLD_SCHEMES = tuple(spec.code for spec in SCHEMES if spec.unit == Scheme.Unit.HOUSEHOLD)
PAYEE_REVIEW_WORKING_DAYS = 5
OPEN = (Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED)


def _adult_born_before(day: date) -> date:
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - ADULT_AGE, day=28)


def adult_members(household: Household, *, on: date | None = None) -> QuerySet[Person]:
    """Current, living members of the household aged 18 or more on `on` (default today)."""
    day = on or timezone.localdate()
    return Person.objects.filter(
        Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gt=day),
        memberships__household=household,
        memberships__valid_from__lte=day,
        death_date__isnull=True,
        birth_date__lte=_adult_born_before(day),
    ).distinct()


def handle_payee_death(person: Person, death_date: date) -> list[Review]:
    """Suspend (no other adult left) and open an urgent payee review for every open household
    entitlement of an assistance scheme paid to `person`. Returns the reviews opened."""
    after = Month.of(death_date) + 1
    entitlements = list(
        Entitlement.objects.filter(
            person=person,
            scheme__code__in=HOUSEHOLD_SCHEMES,
            scheme__unit=Scheme.Unit.HOUSEHOLD,
            household__isnull=False,
            status__in=OPEN,
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=after.first_day))
        .select_related("scheme", "household")
        .order_by("pk")
    )
    due_on = add_working_days(timezone.localdate(), PAYEE_REVIEW_WORKING_DAYS)
    name = display_name(person)
    reviews = []
    for entitlement in entitlements:
        others = adult_members(entitlement.household).exclude(pk=person.pk).exists()
        reason = f"领取人{name}于{death_date:%Y-%m-%d}死亡，" + (
            "请指定新的领取人"
            if others
            else "家庭无其他成年成员，已暂停发放，请指定监护人等为领取人或终止救助"
        )
        with transaction.atomic():
            if not others and entitlement.status == Entitlement.Status.ACTIVE:
                benefits.suspend_entitlement(entitlement, actor=None, from_month=after, reason=reason)
            reviews.append(open_payee_review(entitlement, reason=reason, due_on=due_on))
    return reviews


@transaction.atomic
def change_payee(entitlement: Entitlement, *, actor, person: Person, reason: str) -> Entitlement:
    """Designate `person` (a current adult member of the household) as the payee; see the module."""
    entitlement = Entitlement.objects.select_related("scheme", "person", "household", "region").get(
        pk=entitlement.pk
    )
    if not region_in_scope(actor, entitlement.region):
        raise PermissionDenied("该救助对象不在您的管辖范围内")
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能变更领取人")
    if entitlement.scheme.code not in HOUSEHOLD_SCHEMES or entitlement.household_id is None:
        raise ValidationError({"entitlement": f"“{entitlement.scheme.name}”不是按户发放的社会救助项目"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写变更领取人的原因"})
    if is_minor(person):
        raise ValidationError({"person": "未满18周岁的未成年人不能作为领取人"})
    if not adult_members(entitlement.household).filter(pk=person.pk).exists():
        raise ValidationError({"person": f"{display_name(person)}不是该户现有的成年家庭成员"})
    previous = entitlement.person
    entitlement = benefits.change_entitlement_payee(entitlement, actor=actor, person=person, reason=reason)
    if entitlement.status == Entitlement.Status.SUSPENDED and previous.death_date:
        resume_from = Month.of(previous.death_date) + 1
        benefits.resume_entitlement(
            entitlement, actor=None, from_month=resume_from, reason=f"已指定新的领取人：{reason}"
        )
        flag_adjustment([entitlement.pk], resume_from)  # months not paid since follow as arrears
    review = Review.objects.filter(entitlement=entitlement, status=ReviewStatus.DUE).first()
    if review is not None:
        complete_review(
            review,
            actor=actor,
            outcome=ReviewOutcome.CONTINUE,
            findings=f"{PAYEE_REVIEW}：{display_name(person)}（{reason}）",
        )
    entitlement.refresh_from_db()
    return entitlement

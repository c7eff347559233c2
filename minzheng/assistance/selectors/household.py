"""The household file (一户一档): everything social assistance knows about one household.

One read per section, whatever the number of rows (the page's query count is bounded and
tested): the household, its members, every entitlement of the household and of each member with
its trace, the payment lines of the last twelve paid months per scheme (one aggregate), the
applications with their history and documents, reviews, visits, medical claims and temporary
aid, the poverty register, disaster relief, and the audit trail. Every section is limited to the
user's scope with `visible_to`; the household itself is a 404 outside it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.benefits.calculations import describe
from minzheng.benefits.models import Entitlement, PaymentLine
from minzheng.core.audit import object_type
from minzheng.core.masking import age_on
from minzheng.core.masking import display_name as shown_name
from minzheng.core.models import AuditLog
from minzheng.registry.models import Household, Membership, Person
from minzheng.workflow.models import TransitionRecord

from ..models import (
    APPLICATION_WORKFLOW,
    Application,
    ApplicationDocument,
    CareVisit,
    MedicalClaim,
    PairedHelper,
    PoorHousehold,
    PovertyVisit,
    ReliefGiven,
    Review,
    TemporaryAid,
)

#: Months of payment history shown per scheme, and rows shown of the long sections.
PAYMENT_MONTHS = 12
MAX_ROWS = 50
_STATUS_ORDER = {Entitlement.Status.ACTIVE: 0, Entitlement.Status.SUSPENDED: 1, Entitlement.Status.ENDED: 2}


@dataclass
class Member:
    membership: Membership
    person: Person
    age: int
    display_name: str
    disabled: bool


@dataclass
class SchemePayments:
    scheme: str
    months: list[dict] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row["amount"] for row in self.months), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((row["paid"] for row in self.months), Decimal("0"))


def display_name(person: Person, today: date) -> str:
    """The name as this page shows it: `masking.display_name` (under `ADULT_AGE`, 18: 张**)."""
    return shown_name(person, on=today)


def _members(household: Household, today: date) -> list[Member]:
    rows = (
        Membership.objects.filter(household=household, valid_to__isnull=True)
        .select_related("person")
        .order_by("valid_from", "id")
    )
    members = []
    for membership in rows:
        person = membership.person
        age = age_on(person.birth_date, today)
        members.append(
            Member(
                membership=membership,
                person=person,
                age=age,
                display_name=display_name(person, today),
                disabled=bool(person.disability_grade or person.disability_category),
            )
        )
    return members


def _entitlements(user, household: Household, person_ids: list[int]) -> list[tuple[Entitlement, str]]:
    """Every entitlement of the household or a member: open ones first, each with its trace text."""
    rows = visible_to(
        user,
        Entitlement.objects.filter(Q(household=household) | Q(person_id__in=person_ids)).select_related(
            "scheme", "person"
        ),
    ).order_by("start_month", "id")
    ordered = sorted(rows, key=lambda e: (_STATUS_ORDER.get(e.status, 9), e.scheme.code, e.start_month))
    return [(entitlement, describe(entitlement.trace)) for entitlement in ordered]


def _payments(entitlement_ids: list[int]) -> list[SchemePayments]:
    """Per scheme, the last `PAYMENT_MONTHS` months with lines: amount, paid amount, lines."""
    if not entitlement_ids:
        return []
    rows = (
        PaymentLine.objects.filter(entitlement_id__in=entitlement_ids)
        .values("entitlement__scheme__name", "month")
        .annotate(
            total=Sum("amount"),
            paid_total=Sum("amount", filter=Q(status=PaymentLine.Status.PAID)),
            lines=Count("id"),
        )
        .order_by("entitlement__scheme__name", "-month")
    )
    by_scheme: dict[str, SchemePayments] = {}
    for row in rows:
        group = by_scheme.setdefault(
            row["entitlement__scheme__name"], SchemePayments(row["entitlement__scheme__name"])
        )
        if len(group.months) < PAYMENT_MONTHS:
            group.months.append(
                {
                    "month": row["month"],
                    "amount": row["total"] or Decimal("0"),
                    "paid": row["paid_total"] or Decimal("0"),
                    "lines": row["lines"],
                }
            )
    return list(by_scheme.values())


def _applications(user, household: Household, person_ids: list[int], today: date) -> list[dict]:
    applications = list(
        visible_to(
            user,
            Application.objects.filter(Q(household=household) | Q(person_id__in=person_ids)).select_related(
                "person"
            ),
        ).order_by("-applied_on", "-id")
    )
    if not applications:
        return []
    ids = [str(a.pk) for a in applications]
    history: dict[str, list] = {key: [] for key in ids}
    records = TransitionRecord.objects.filter(
        case_type=Application._meta.label_lower, case_id__in=ids
    ).select_related("actor")
    for record in records.order_by("created_at", "id"):
        history[record.case_id].append(
            {
                "record": record,
                "from": APPLICATION_WORKFLOW.label(record.from_status) if record.from_status else "",
                "to": APPLICATION_WORKFLOW.label(record.to_status),
            }
        )
    documents: dict[int, list] = {a.pk: [] for a in applications}
    for document in ApplicationDocument.objects.filter(application_id__in=documents).order_by(
        "created_at", "id"
    ):
        documents[document.application_id].append(document)
    return [
        {
            "application": a,
            "name": display_name(a.person, today),
            "status": APPLICATION_WORKFLOW.label(a.status),
            "history": history[str(a.pk)],
            "documents": documents[a.pk],
        }
        for a in applications
    ]


def _audit(household: Household, person_ids, entitlement_ids, application_ids) -> list[AuditLog]:
    def of(model, ids):
        return Q(object_type=object_type(model), object_id__in=[str(pk) for pk in ids])

    condition = (
        Q(object_type=object_type(Household), object_id=str(household.pk))
        | of(Person, person_ids)
        | of(Entitlement, entitlement_ids)
        | of(Application, application_ids)
    )
    return list(
        AuditLog.objects.filter(condition).select_related("actor").order_by("-created_at", "-id")[:MAX_ROWS]
    )


def get_household_file(user, pk, *, today: date | None = None) -> dict:
    """Everything the household file page shows, or 404 when the household is out of scope."""
    today = today or timezone.localdate()
    household = get_visible_or_404(
        user, Household.objects.select_related("region", "region__parent", "head"), pk=pk
    )
    members = _members(household, today)
    person_ids = [m.person.pk for m in members]

    def named(rows, person=lambda row: row.person):
        return [(row, display_name(person(row), today)) for row in rows]

    entitlements = _entitlements(user, household, person_ids)
    entitlement_ids = [e.pk for e, _text in entitlements]
    applications = _applications(user, household, person_ids, today)
    in_household = Q(household=household) | Q(person_id__in=person_ids)

    poverty = list(
        visible_to(user, PoorHousehold.objects.filter(household=household))
        .prefetch_related(Prefetch("helpers", queryset=PairedHelper.objects.order_by("-valid_from", "id")))
        .order_by("-registered_on", "-id")
    )
    poverty_visits = list(
        visible_to(user, PovertyVisit.objects.filter(poor_household__household=household))
        .select_related("helper")
        .order_by("-visited_on", "-id")[:MAX_ROWS]
    )
    care_visits = list(
        visible_to(user, CareVisit.objects.filter(record__person_id__in=person_ids))
        .select_related("record", "record__person")
        .order_by("-visited_on", "-id")[:MAX_ROWS]
    )
    return {
        "household": household,
        "members": members,
        "entitlements": [(e, text, display_name(e.person, today)) for e, text in entitlements],
        "payments": _payments(entitlement_ids),
        "applications": applications,
        "reviews": named(
            visible_to(user, Review.objects.filter(in_household))
            .select_related("entitlement__scheme", "person")
            .order_by("-due_on", "-id")[:MAX_ROWS]
        ),
        "poverty": poverty,
        "poverty_visits": poverty_visits,
        "care_visits": named(care_visits, lambda visit: visit.record.person),
        "medical_claims": named(
            visible_to(user, MedicalClaim.objects.filter(person_id__in=person_ids))
            .select_related("person")
            .order_by("-visit_date", "-id")[:MAX_ROWS]
        ),
        "temporary_aid": named(
            visible_to(user, TemporaryAid.objects.filter(in_household))
            .select_related("person")
            .order_by("-granted_on", "-id")[:MAX_ROWS]
        ),
        "relief": list(
            visible_to(user, ReliefGiven.objects.filter(household=household))
            .select_related("event")
            .order_by("-given_on", "-id")[:MAX_ROWS]
        ),
        "audit": _audit(
            household, person_ids, entitlement_ids, [row["application"].pk for row in applications]
        ),
    }

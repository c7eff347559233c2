"""Reads of applications, scoped to the user: lists, one case with what it shows, the moves a user may make."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from minzheng.accounts.roles import Capability, Role, has_capability
from minzheng.accounts.scoping import get_visible_or_404, region_in_scope, visible_to
from minzheng.registry.models import Household, Membership, Person
from minzheng.workflow.selectors import case_history, is_overdue

from ..models import APPLICATION_WORKFLOW, Application, ApplicationStatus

S = ApplicationStatus


def application_queryset() -> QuerySet[Application]:
    return Application.objects.select_related(
        "person", "household", "household__head", "region", "region__parent", "entitlement"
    )


def applications_visible_to(user) -> QuerySet[Application]:
    return visible_to(user, application_queryset())


def get_application_for(user, pk) -> Application:
    """One application in the user's scope; anything else is a 404 (logged)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        from django.http import Http404

        raise Http404
    return get_visible_or_404(user, application_queryset(), pk=pk)


def current_household(person: Person) -> Household | None:
    membership = (
        Membership.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()
    )
    return membership.household if membership else None


def household_members(application: Application) -> list[Membership]:
    """The current members of the application's household (or of the applicant's household)."""
    household_id = application.household_id
    if household_id is None:
        household = current_household(application.person)
        household_id = household.pk if household else None
    if household_id is None:
        return []
    return list(
        Membership.objects.filter(household_id=household_id, valid_to__isnull=True)
        .select_related("person")
        .order_by("valid_from", "id")
    )


# --- moves ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A step a user can take on a case: its name (form / API action), the target and the label."""

    name: str
    to: str
    label: str


MOVES = (
    Move("accept", S.ACCEPTED, "受理"),
    Move("missing_items", S.INCOMPLETE, "一次性告知补齐材料"),
    Move("investigate", S.INVESTIGATED, "记录入户调查与核对结果"),
    Move("town_review", S.NOTICE, "镇街审核"),
    Move("decide", S.APPROVED, "区级审批"),
    Move("return", S.ACCEPTED, "退回重新调查"),
    Move("refuse", S.REFUSED, "不予受理（不予批准）"),
    Move("withdraw", S.WITHDRAWN, "撤回申请"),
)
_FROM = {
    "accept": {S.APPLIED, S.INCOMPLETE},
    "missing_items": {S.APPLIED},
    "investigate": {S.ACCEPTED},
    "town_review": {S.INVESTIGATED},
    "decide": {S.DISTRICT_REVIEW},
    "return": {S.INVESTIGATED, S.DISTRICT_REVIEW},
    "refuse": {S.APPLIED, S.INCOMPLETE, S.ACCEPTED},  # at the reviews, refusal is part of the review
    "withdraw": set(APPLICATION_WORKFLOW.transitions),
}


def _may(user, roles) -> bool:
    return user.is_superuser or user.role in roles


def available_moves(application: Application, user) -> list[Move]:
    """Exactly the moves `user` may make on the case now (the workflow table, scope, routing)."""
    if not user.is_authenticated or not region_in_scope(user, application.region):
        return []
    status = application.status
    out = []
    for move in MOVES:
        if status not in _FROM[move.name]:
            continue
        if not _may(user, APPLICATION_WORKFLOW.roles_for(status, move.to)):
            continue
        if (
            move.name == "investigate"
            and application.relative_in_civil_affairs
            and not (user.is_superuser or user.role == Role.DISTRICT)
        ):
            continue
        if move.name == "missing_items" and application.missing_items:
            continue
        if move.name == "decide" and not has_capability(user, Capability.BENEFITS_MANAGE):
            continue
        out.append(move)
    return out


def case_page(application: Application, user) -> dict:
    """Everything the case page shows."""
    today = timezone.localdate()
    history = list(case_history(application))
    for record in history:
        record.to_label = APPLICATION_WORKFLOW.label(record.to_status)
    return {
        "application": application,
        "members": household_members(application),
        "documents": list(application.documents.select_related("uploaded_by").order_by("created_at", "id")),
        "history": history,
        "overdue": is_overdue(application, today=today),
        "moves": available_moves(application, user),
        "missing_items": [line for line in application.missing_items.splitlines() if line],
    }

"""Reads of the children's programs, scoped to the user (`visible_to`) with their joins.

Lists never carry a child's full name or ID number: they show `masked_name` and
`masked_id_number`. The full values are read on the child's page (`child_profile_full_view`),
which audits the read, or through the audited reveal of `core.reveal`.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.benefits.models import Entitlement
from minzheng.core.audit import write_audit

from ..models.children import (
    CareVisit,
    ChildProfile,
    EducationGrant,
    FollowUpTask,
    LeftBehindChild,
)
from ..programs import CHILDREN_SCHEMES, ORPHAN_SCHEMES


def child_profiles_visible_to(user) -> QuerySet[ChildProfile]:
    return visible_to(
        user,
        ChildProfile.objects.select_related("person", "region", "region__parent", "guardian"),
    ).order_by("region__path", "id")


def get_child_profile_for(user, pk) -> ChildProfile:
    return get_visible_or_404(
        user, ChildProfile.objects.select_related("person", "region", "region__parent", "guardian"), pk=pk
    )


def child_profile_full_view(user, pk) -> tuple[ChildProfile, bool]:
    """The child's profile for its own page, and whether the full name and ID number may be shown.

    Roles with `pii.reveal` see them, and every such view is written to the audit trail.
    """
    profile = get_child_profile_for(user, pk)
    full = has_capability(user, Capability.PII_REVEAL)
    if full:
        with transaction.atomic():
            write_audit(
                actor=user, action="view_child", obj=profile, changes={"fields": ["name", "id_number"]}
            )
    return profile, full


def child_entitlements(profile: ChildProfile) -> QuerySet[Entitlement]:
    """The child's allowances and grants of the children's schemes, newest first."""
    return (
        Entitlement.objects.filter(
            person_id=profile.person_id, scheme__code__in=(*ORPHAN_SCHEMES, *CHILDREN_SCHEMES)
        )
        .select_related("scheme")
        .order_by("-start_month", "-id")
    )


def education_grants_visible_to(user) -> QuerySet[EducationGrant]:
    return visible_to(
        user,
        EducationGrant.objects.select_related(
            "child", "child__person", "region", "region__parent", "granted_by"
        ),
    )


# --- follow-up tasks ------------------------------------------------------------------------


def follow_up_tasks_for(user, *, status: str | None = FollowUpTask.Status.OPEN) -> QuerySet[FollowUpTask]:
    """The user's tasks in scope, the earliest due first (open tasks by default)."""
    qs = visible_to(user, FollowUpTask.objects.select_related("person", "region", "done_by"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("due_on", "id")


def get_follow_up_for(user, pk) -> FollowUpTask:
    return get_visible_or_404(
        user, FollowUpTask.objects.select_related("person", "region", "entitlement__scheme", "done_by"), pk=pk
    )


# --- left-behind children -------------------------------------------------------------------


def left_behind_visible_to(user, *, active_only: bool = False) -> QuerySet[LeftBehindChild]:
    qs = visible_to(user, LeftBehindChild.objects.select_related("person", "region", "region__parent"))
    if active_only:
        qs = qs.filter(status=LeftBehindChild.Status.ACTIVE)
    return qs.order_by("region__path", "id")


def get_left_behind_for(user, pk) -> LeftBehindChild:
    return get_visible_or_404(
        user, LeftBehindChild.objects.select_related("person", "region", "region__parent"), pk=pk
    )


def overdue_visits(user=None, *, today: date | None = None) -> QuerySet[LeftBehindChild]:
    """Active left-behind children whose next care visit is past due (one indexed filter),
    the longest overdue first. Without a user: the whole district (for the daily command)."""
    today = today or timezone.localdate()
    qs = LeftBehindChild.objects.select_related("person", "region", "region__parent")
    if user is not None:
        qs = visible_to(user, qs)
    return qs.filter(status=LeftBehindChild.Status.ACTIVE, next_visit_due__lt=today).order_by(
        "next_visit_due", "id"
    )


def visits_of(record: LeftBehindChild) -> QuerySet[CareVisit]:
    return record.visits.select_related("visitor").order_by("-visited_on", "-id")


def require_reveal(user) -> None:
    if not has_capability(user, Capability.PII_REVEAL):
        raise PermissionDenied("您的角色不能查看完整的敏感信息")

"""Reads of review and exit: scoped with `visible_to`, related rows loaded in the same query."""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils import timezone

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.benefits.models import Entitlement

from ..models import ExitNotice, Recovery, Review, ReviewStatus
from ..services.reviews import REVIEWED_SCHEMES


def reviews_visible_to(user) -> QuerySet[Review]:
    return visible_to(
        user,
        Review.objects.select_related(
            "entitlement__scheme", "person", "household", "region", "region__parent", "done_by"
        ),
    )


def due_reviews(user, *, today: date | None = None, scheme: str = "", overdue_only: bool = False):
    """Open reviews in the user's scope, overdue first (the earliest due date first)."""
    today = today or timezone.localdate()
    qs = reviews_visible_to(user).filter(status=ReviewStatus.DUE)
    if scheme:
        qs = qs.filter(entitlement__scheme__code=scheme)
    if overdue_only:
        qs = qs.filter(due_on__lt=today)
    return qs.annotate(
        overdue=Case(
            When(due_on__lt=today, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    ).order_by("-overdue", "due_on", "id")


def get_review_for(user, pk) -> Review:
    return get_visible_or_404(user, reviews_visible_to(user), pk=pk)


def assistance_entitlements_visible_to(user) -> QuerySet[Entitlement]:
    return visible_to(
        user,
        Entitlement.objects.filter(scheme__code__in=REVIEWED_SCHEMES).select_related(
            "scheme", "person", "household", "region", "region__parent"
        ),
    )


def get_assistance_entitlement_for(user, pk) -> Entitlement:
    return get_visible_or_404(user, assistance_entitlements_visible_to(user), pk=pk)


def exit_notices_visible_to(user) -> QuerySet[ExitNotice]:
    return visible_to(
        user,
        ExitNotice.objects.select_related(
            "entitlement__household", "person", "region", "region__parent", "issued_by"
        ),
    )


def get_exit_notice_for(user, pk) -> ExitNotice:
    return get_visible_or_404(user, exit_notices_visible_to(user), pk=pk)


def recoveries_visible_to(user) -> QuerySet[Recovery]:
    return visible_to(
        user,
        Recovery.objects.select_related(
            "entitlement__scheme", "person", "region", "region__parent", "recorded_by"
        ),
    )


def entitlement_history(entitlement: Entitlement) -> dict:
    """Reviews, exit notices and recoveries of one entitlement (three queries)."""
    return {
        "reviews": list(
            Review.objects.filter(entitlement=entitlement).select_related("done_by").order_by("-due_on")
        ),
        "notices": list(ExitNotice.objects.filter(entitlement=entitlement).order_by("-decided_on", "-id")),
        "recoveries": list(Recovery.objects.filter(entitlement=entitlement).order_by("-created_at", "-id")),
    }

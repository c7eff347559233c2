"""Reads of workflow state: a case's history, open and overdue cases, whether a case is overdue."""

from datetime import date

from django.db.models import F, QuerySet
from django.utils import timezone

from minzheng.accounts.scoping import visible_to

from .engine import workflow_of
from .models import TransitionRecord, WorkflowCase


def case_history(case: WorkflowCase) -> QuerySet[TransitionRecord]:
    """Every step of one case, oldest first, with the actor."""
    return (
        TransitionRecord.objects.filter(case_type=case._meta.label_lower, case_id=str(case.pk))
        .order_by("created_at", "id")
        .select_related("actor")
    )


def open_cases(queryset: QuerySet, *, user) -> QuerySet:
    """Cases not in a final status, in the user's scope, the most urgent first.

    Ordered by deadline (earliest, i.e. most overdue, first; cases without a deadline last),
    then by when they entered their status. `user=None` means the system itself (batch
    reminders): no scope filter.
    """
    workflow = workflow_of(queryset.model)
    if user is not None:
        queryset = visible_to(user, queryset)
    return queryset.exclude(status__in=workflow.final_statuses).order_by(
        F("deadline").asc(nulls_last=True), "status_changed_at", "pk"
    )


def overdue_cases(queryset: QuerySet, *, user, today: date | None = None) -> QuerySet:
    """Open cases whose deadline has passed (deadline < today), the most overdue first."""
    today = today or timezone.localdate()
    return open_cases(queryset, user=user).filter(deadline__lt=today)


def is_overdue(case: WorkflowCase, *, today: date | None = None) -> bool:
    """True when the case is still open and its current step's deadline has passed."""
    if case.deadline is None or case.status in workflow_of(case).final_statuses:
        return False
    return case.deadline < (today or timezone.localdate())

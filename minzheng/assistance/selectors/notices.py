"""Reads of notices: the back office's scoped lists and the public page's running notices.

The public selectors read only the notice snapshot (never the person or household), and a
notice shows only while it runs: published, not past `ends_on`, not closed, and its application
still in 公示. Taking a notice down therefore needs no job — the date does it.
"""

from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from minzheng.accounts.scoping import get_visible_or_404, visible_to
from minzheng.core.months import Month
from minzheng.registry.models import Region

from ..models import ApplicationStatus, Notice, NoticeObjection

PUBLIC_FIELDS = ("head_name", "members", "monthly_amount", "village_name", "program_name")


def notices_visible_to(user) -> QuerySet[Notice]:
    return visible_to(user, Notice.objects.select_related("application", "region", "opened_by")).order_by(
        "-published_on", "region__path", "id"
    )


def get_notice_for(user, pk) -> Notice:
    return get_visible_or_404(user, Notice.objects.select_related("application", "region"), pk=pk)


def objections_visible_to(user) -> QuerySet[NoticeObjection]:
    return visible_to(
        user,
        NoticeObjection.objects.select_related("notice", "notice__application", "recorded_by", "handled_by"),
    )


def get_objection_for(user, pk) -> NoticeObjection:
    return get_visible_or_404(
        user, NoticeObjection.objects.select_related("notice__region", "notice__application"), pk=pk
    )


def notices_of_application(application) -> QuerySet[Notice]:
    return Notice.objects.filter(application=application).prefetch_related("objections").order_by("-id")


def _running(today: date) -> Q:
    return Q(
        status__in=[Notice.Status.OPEN, Notice.Status.OBJECTED],
        published_on__lte=today,
        ends_on__gte=today,
        application__status=ApplicationStatus.NOTICE,
    )


def running_notices(*, today: date | None = None) -> QuerySet[Notice]:
    """Every notice the public may see today (no scope: the notice is public by law)."""
    return Notice.objects.filter(_running(today or timezone.localdate()))


def public_notices(village: Region, month: Month, *, today: date | None = None) -> QuerySet[Notice]:
    """The running notices of one 村居 published in one month, ordered for the board."""
    return (
        running_notices(today=today)
        .filter(region=village, month=month.first_day)
        .only(*PUBLIC_FIELDS, "program", "published_on", "ends_on", "region_id", "month")
        .order_by("published_on", "id")
    )


def print_notices(village: Region, month: Month, *, user) -> QuerySet[Notice]:
    """The notices of a village and month for the printed board notice: the running ones, or —
    when none runs any more — every notice of that month (a reprint for the file)."""
    scoped = notices_visible_to(user).filter(region=village, month=month.first_day)
    running = scoped.filter(_running(timezone.localdate()))
    return (running if running.exists() else scoped).order_by("published_on", "id")


def public_towns() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.TOWN, valid_to__isnull=True).order_by("code")


def public_villages(town: Region, *, today: date | None = None) -> list[Region]:
    """The town's current 村居, each with `running_count`, the number of notices running today."""
    counts = dict(
        running_notices(today=today)
        .filter(region__parent=town)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    villages = list(
        Region.objects.filter(parent=town, level=Region.Level.VILLAGE, valid_to__isnull=True).order_by("code")
    )
    for village in villages:
        village.running_count = counts.get(village.pk, 0)
    return villages


def public_months(village: Region, *, today: date | None = None) -> list[Month]:
    """The months with a notice of the village running today (newest first)."""
    days = (
        running_notices(today=today)
        .filter(region=village)
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")
    )
    return [Month.of(day) for day in days]


def village_by_code(code: str) -> Region | None:
    return (
        Region.objects.filter(code=code, level=Region.Level.VILLAGE)
        .select_related("parent")
        .order_by(F("valid_to").desc(nulls_first=True), "-valid_from")  # the current one first
        .first()
    )

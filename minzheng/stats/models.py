"""Closed statistics periods with their snapshots, and the targets of the bureau's work plan.

Indicator values are computed on demand from the records. Closing a period (`services.close_period`)
stores every indicator's value for the district and each 镇街 as an `IndicatorSnapshot`; reports of
a closed period use the snapshot, so a report does not change when records are corrected later
(the difference to the live value is shown next to it). Snapshots are never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import TimeStampedModel

NUMBER = {"max_digits": 24, "decimal_places": 4, "null": True, "blank": True}


class ClosedPeriod(models.Model):
    """A period whose figures were frozen (结账): one row per period label (2018, 2018Q4, 2018-12)."""

    class Kind(models.TextChoices):
        YEAR = "year", _("年度")
        QUARTER = "quarter", _("季度")
        MONTH = "month", _("月度")

    period = models.CharField(_("统计期"), max_length=7, unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结账人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("结账时间"), auto_now_add=True)
    indicator_count = models.PositiveIntegerField(_("指标数"), default=0)
    region_count = models.PositiveIntegerField(_("区域数"), default=0)

    class Meta:
        ordering = ["-end", "kind"]
        verbose_name = _("已结账统计期")
        verbose_name_plural = _("已结账统计期")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="closedperiod_dates"),
        ]

    def __str__(self) -> str:
        return self.period


class IndicatorSnapshot(models.Model):
    """One indicator's value for a closed period and a region node, as computed when it was closed."""

    SCOPE_FIELD = "region"

    closure = models.ForeignKey(
        ClosedPeriod, verbose_name=_("结账"), on_delete=models.PROTECT, related_name="snapshots"
    )
    indicator_id = models.CharField(_("指标编号"), max_length=100)
    period = models.CharField(_("统计期"), max_length=7)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("数值"), **NUMBER)
    numerator = models.DecimalField(_("分子"), **NUMBER)
    denominator = models.DecimalField(_("分母"), **NUMBER)
    exact_value = models.DecimalField(
        _("精确金额（元）"), max_digits=24, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        ordering = ["period", "region", "indicator_id"]
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator_id", "period", "region"], name="snapshot_indicator_period_region"
            ),
        ]
        indexes = [models.Index(fields=["period", "region"], name="snapshot_period_region_idx")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period}"


class Target(TimeStampedModel):
    """A figure the work plan aims at for a year (e.g. 2019 银龄安康 self-paid participation 50 %)."""

    indicator_id = models.CharField(_("指标编号"), max_length=100)
    year = models.PositiveSmallIntegerField(_("目标年度"))
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["year", "indicator_id"]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [
            models.UniqueConstraint(fields=["indicator_id", "year"], name="target_indicator_year"),
            models.CheckConstraint(condition=Q(year__gte=1949), name="target_year_1949"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator_id}"

"""防灾减灾救灾: disaster events (台风“山竹” …), shelters opened for them, relief given to households.

Cash relief is paid by the benefits engine (a one-off entitlement of scheme `disaster_relief`,
linked here); goods are recorded here (item, quantity). An event is district-wide and names
the 镇街 it affected; shelters and relief belong to the 村居/镇街 responsible for them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from minzheng.core.models import TimeStampedModel

__all__ = ["DisasterEvent", "ReliefGiven", "ShelterOpening"]


class DisasterEvent(TimeStampedModel):
    """A disaster the bureau responded to."""

    class Kind(models.TextChoices):
        TYPHOON = "typhoon", _("台风")
        FLOOD = "flood", _("洪涝")
        FIRE = "fire", _("火灾")
        OTHER = "other", _("其他")

    class WarningLevel(models.TextChoices):
        BLUE = "blue", _("蓝色（IV级）")
        YELLOW = "yellow", _("黄色（III级）")
        ORANGE = "orange", _("橙色（II级）")
        RED = "red", _("红色（I级）")

    name = models.CharField(_("灾害名称"), max_length=100)
    kind = models.CharField(_("灾害类别"), max_length=10, choices=Kind.choices)
    warning_level = models.CharField(
        _("最高预警级别"), max_length=10, choices=WarningLevel.choices, blank=True
    )
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    affected_towns = models.ManyToManyField(
        "registry.Region", verbose_name=_("受影响镇街"), related_name="+", blank=True
    )
    description = models.TextField(_("灾情与应对概述"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = _("灾害事件")
        verbose_name_plural = _("灾害事件")
        constraints = [
            models.UniqueConstraint(fields=["name", "started_on"], name="disaster_event_unique"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="disaster_event_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShelterOpening(TimeStampedModel):
    """A shelter (避灾安置场所) opened for an event, with the number of people it took in."""

    SCOPE_FIELD = "region"

    event = models.ForeignKey(
        DisasterEvent, verbose_name=_("灾害事件"), on_delete=models.PROTECT, related_name="shelters"
    )
    place = models.CharField(_("安置场所"), max_length=100)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("所在镇街/村居"), on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("启用日期"))
    closed_on = models.DateField(_("关闭日期"), null=True, blank=True)
    people_sheltered = models.PositiveIntegerField(_("安置人数（人次）"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["event", "opened_on", "id"]
        verbose_name = _("避灾场所启用")
        verbose_name_plural = _("避灾场所启用")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")), name="shelter_dates"
            ),
        ]
        indexes = [models.Index(fields=["opened_on"], name="shelter_opened_idx")]

    def __str__(self) -> str:
        return f"{self.place}（{self.event}）"


class ReliefGiven(TimeStampedModel):
    """Relief given to a household for an event: cash (paid by the engine) or goods."""

    class Kind(models.TextChoices):
        CASH = "cash", _("救助金")
        GOODS = "goods", _("救灾物资")

    SCOPE_FIELD = "region"

    event = models.ForeignKey(
        DisasterEvent, verbose_name=_("灾害事件"), on_delete=models.PROTECT, related_name="reliefs"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("受助家庭"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("所在村居"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("救助方式"), max_length=10, choices=Kind.choices)
    given_on = models.DateField(_("发放日期"))
    amount = models.DecimalField(_("救助金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    entitlement = models.OneToOneField(
        "benefits.Entitlement",
        verbose_name=_("待遇资格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.CharField(_("物资名称"), max_length=50, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("计量单位"), max_length=10, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["event", "given_on", "id"]
        verbose_name = _("受灾救助")
        verbose_name_plural = _("受灾救助")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="cash", amount__gt=0, entitlement__isnull=False))
                | (Q(kind="goods", quantity__gt=0) & ~Q(item="")),
                name="relief_cash_or_goods",
            ),
            models.UniqueConstraint(
                fields=["event", "household"], condition=Q(kind="cash"), name="one_cash_relief_per_event"
            ),
        ]
        indexes = [models.Index(fields=["given_on"], name="relief_given_idx")]

    def __str__(self) -> str:
        if self.kind == self.Kind.CASH:
            return f"{self.event} 救助金 {self.amount} 元"
        return f"{self.event} {self.item} {self.quantity}{self.unit}"

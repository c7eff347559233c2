"""Shared base model, audit trail, background jobs and calendar overrides."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """One row per state change or sensitive read, written in the same transaction as the change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Job(models.Model):
    """A long-running operation (import, payroll, report) with its progress and log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=64)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    log = models.TextField(_("日志"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_lte_100"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


class CalendarDay(models.Model):
    """An administrator's entry for a day the calendar library does not know (e.g. a future year)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"

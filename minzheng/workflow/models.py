"""Transition history shared by every application type, and the abstract case base."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransitionRecord(models.Model):
    """One step of one case: who moved it from which status to which, when, with what opinion.

    `region` is the case's responsible region at the time of the step, so the history can be
    filtered by the same scope helper as everything else (`accounts.scoping.visible_to`).
    """

    SCOPE_FIELD = "region"

    case_type = models.CharField(_("业务类型"), max_length=100)
    case_id = models.CharField(_("业务编号"), max_length=64)
    from_status = models.CharField(_("原状态"), max_length=32)
    to_status = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opinion = models.TextField(_("意见"), blank=True)
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["case_type", "case_id", "created_at", "id"]
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        indexes = [models.Index(fields=["case_type", "case_id", "created_at"], name="transition_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_type}#{self.case_id}: {self.from_status} → {self.to_status}"


class WorkflowCase(models.Model):
    """Abstract base for an application type: current status, when it entered it, its deadline.

    A concrete application type adds its own fields, a `SCOPE_FIELD` naming the lookup to its
    responsible region, and a `WORKFLOW` (a `workflow.engine.Workflow`) with its statuses and
    moves. The status only ever changes through `workflow.engine.transition`.
    """

    status = models.CharField(_("状态"), max_length=32, db_index=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    deadline = models.DateField(_("当前环节期限"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

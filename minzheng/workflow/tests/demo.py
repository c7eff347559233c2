"""A concrete application type used only by the workflow tests (its table is made by a fixture).

applied → accepted (town) or refused (town); accepted → approved, returned or refused (district);
returned → applied (town or village). approved and refused are final.
"""

from django.db import models

from minzheng.accounts.roles import Role
from minzheng.workflow.engine import Workflow
from minzheng.workflow.models import WorkflowCase

EFFECTS: list[tuple[str, int, str]] = []


class DemoStatus(models.TextChoices):
    APPLIED = "applied", "已申请"
    ACCEPTED = "accepted", "已受理"
    RETURNED = "returned", "退回补正"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


def notify_approved(case, record):
    EFFECTS.append(("approved", case.pk, record.to_status))


def notify_refused(case, record):
    EFFECTS.append(("refused", case.pk, record.opinion))


S = DemoStatus

DEMO_WORKFLOW = Workflow(
    statuses=DemoStatus,
    initial=S.APPLIED,
    starters={Role.TOWN, Role.VILLAGE},
    transitions={
        S.APPLIED: {S.ACCEPTED: {Role.TOWN}, S.REFUSED: {Role.TOWN}},
        S.ACCEPTED: {S.APPROVED: {Role.DISTRICT}, S.RETURNED: {Role.DISTRICT}, S.REFUSED: {Role.DISTRICT}},
        S.RETURNED: {S.APPLIED: {Role.TOWN, Role.VILLAGE}},
    },
    deadlines={S.APPLIED: 3, S.ACCEPTED: 10},
    on_enter={S.APPROVED: [notify_approved], S.REFUSED: [notify_refused]},
    requires_opinion={S.REFUSED, S.RETURNED},
)

# Every legal move, and the role the tests make it with.
LEGAL_MOVES = {
    (S.APPLIED, S.ACCEPTED): "town",
    (S.APPLIED, S.REFUSED): "town",
    (S.ACCEPTED, S.APPROVED): "district",
    (S.ACCEPTED, S.RETURNED): "district",
    (S.ACCEPTED, S.REFUSED): "district",
    (S.RETURNED, S.APPLIED): "village",
}

# How to reach each status from a new case through legal moves.
PATHS = {
    S.APPLIED: [],
    S.ACCEPTED: [S.ACCEPTED],
    S.RETURNED: [S.ACCEPTED, S.RETURNED],
    S.APPROVED: [S.ACCEPTED, S.APPROVED],
    S.REFUSED: [S.REFUSED],
}


class DemoCase(WorkflowCase):
    SCOPE_FIELD = "region"
    WORKFLOW = DEMO_WORKFLOW

    name = models.CharField(max_length=50, default="")
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        app_label = "workflow"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or f"demo #{self.pk}"

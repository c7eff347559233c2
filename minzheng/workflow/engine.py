"""The workflow engine: a table of moves per application type, and one function to move a case.

An application type declares itself on its model (see `workflow.models.WorkflowCase`)::

    class DibaoStatus(models.TextChoices):
        APPLIED = "applied", _("已申请")
        ACCEPTED = "accepted", _("已受理")
        REFUSED = "refused", _("不予受理")

    class DibaoApplication(WorkflowCase):
        SCOPE_FIELD = "region"
        WORKFLOW = Workflow(
            statuses=DibaoStatus,
            initial=DibaoStatus.APPLIED,
            starters={Role.TOWN, Role.VILLAGE},
            transitions={DibaoStatus.APPLIED: {DibaoStatus.ACCEPTED: {Role.TOWN}, DibaoStatus.REFUSED: {Role.TOWN}}},
            deadlines={DibaoStatus.APPLIED: 3},          # Chinese working days to act on the step
            on_enter={DibaoStatus.REFUSED: [send_refusal_notice]},
            requires_opinion={DibaoStatus.REFUSED},      # a refusal must give its reasons
        )
        region = models.ForeignKey(Region, ...)

and moves only through `start_case(case, actor=...)` (a new case) and
`transition(case, to, actor=..., opinion=...)`. Each checks the move, the actor's role and
scope, moves with compare-and-set, writes the history row and the audit row in one
transaction, and runs the step's side effects (`effect(case, record)`) after commit.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from minzheng.accounts.roles import Role
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import write_audit
from minzheng.core.workdays import add_working_days

from .models import TransitionRecord, WorkflowCase

SideEffect = Callable[[WorkflowCase, TransitionRecord], None]


class IllegalTransition(ValidationError):
    """The move is not in the application type's table (or the status does not exist)."""


class Conflict(Exception):
    """Someone else moved the case between reading it and moving it. Reload and try again."""

    code = "conflict"
    status_code = 409


def _plain(value) -> str:
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class Workflow:
    """One application type's statuses, moves, deadlines and side effects.

    - `transitions`: {from_status: {to_status: roles allowed to make the move}}. A status with
      no outgoing moves is final.
    - `initial` and `starters`: the status a new case starts in and the roles that may start one.
    - `deadlines`: {status: working days}; entering the status sets the case's deadline that
      many Chinese working days after the day of entry (holidays and make-up days respected).
    - `on_enter`: {status: [effect(case, record), …]}, run after the transaction commits.
    - `requires_opinion`: statuses (typically refusals and returns) that need a written opinion.
    """

    statuses: type[models.TextChoices]
    transitions: Mapping[str, Mapping[str, Iterable[str]]]
    initial: str | None = None
    starters: Iterable[str] = ()
    deadlines: Mapping[str, int] = field(default_factory=dict)
    on_enter: Mapping[str, Iterable[SideEffect]] = field(default_factory=dict)
    requires_opinion: Iterable[str] = ()

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        roles = set(Role.values)

        def status(value) -> str:
            value = _plain(value)
            if value not in known:
                raise ImproperlyConfigured(
                    f"workflow status {value!r} is not one of {self.statuses.__name__}"
                )
            return value

        def role_set(values) -> frozenset[str]:
            out = frozenset(_plain(role) for role in values)
            if out - roles:
                raise ImproperlyConfigured(f"unknown roles in workflow: {sorted(out - roles)}")
            return out

        table = {
            status(src): {status(dst): role_set(who) for dst, who in moves.items()}
            for src, moves in self.transitions.items()
        }
        deadlines = {status(key): int(days) for key, days in self.deadlines.items()}
        if any(days < 0 for days in deadlines.values()):
            raise ImproperlyConfigured("workflow deadlines must not be negative")
        object.__setattr__(self, "transitions", table)
        object.__setattr__(self, "initial", status(self.initial) if self.initial is not None else None)
        object.__setattr__(self, "starters", role_set(self.starters))
        object.__setattr__(self, "deadlines", deadlines)
        object.__setattr__(
            self, "on_enter", {status(key): tuple(effects) for key, effects in self.on_enter.items()}
        )
        object.__setattr__(self, "requires_opinion", frozenset(status(s) for s in self.requires_opinion))

    def label(self, value: str) -> str:
        try:
            return str(self.statuses(value).label)
        except ValueError:
            return str(value)

    def next_statuses(self, current: str) -> list[str]:
        """The statuses a case in `current` may move to, in the table's order."""
        return list(self.transitions.get(_plain(current), {}))

    def roles_for(self, current: str, to: str) -> frozenset[str]:
        return self.transitions.get(_plain(current), {}).get(_plain(to), frozenset())

    @property
    def final_statuses(self) -> list[str]:
        return [value for value in self.statuses.values if not self.transitions.get(value)]

    def deadline_for(self, status: str, entered_on: date) -> date | None:
        """The deadline of a step entered on `entered_on`, or None when the step has none."""
        days = self.deadlines.get(_plain(status))
        return None if days is None else add_working_days(entered_on, days)


def workflow_of(case: WorkflowCase | type[WorkflowCase]) -> Workflow:
    workflow = getattr(case, "WORKFLOW", None)
    if not isinstance(workflow, Workflow):
        raise ImproperlyConfigured(f"{type(case).__name__} declares no WORKFLOW")
    return workflow


def case_region(case: WorkflowCase):
    """The region responsible for the case, following the model's SCOPE_FIELD (e.g. "household__region")."""
    path = getattr(case, "SCOPE_FIELD", "")
    if not path:
        raise ImproperlyConfigured(f"{type(case).__name__} must name its region in SCOPE_FIELD")
    value = case
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _role_names(roles: Iterable[str]) -> str:
    return "、".join(str(Role(role).label) for role in sorted(roles)) or "无"


def _check_actor(case: WorkflowCase, roles: frozenset[str], *, actor, action: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录")
    if not roles:  # a move only the platform makes on its schedule (e.g. a notice period ending)
        raise PermissionDenied(f"该步骤由系统自动办理，不能手工{action}")
    if not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied(
            f"您的角色（{actor.get_role_display()}）不能{action}；可办理的角色：{_role_names(roles)}"
        )
    region = case_region(case)
    if not region_in_scope(actor, region):
        name = region.name if region is not None else "未指定区域"
        raise PermissionDenied(f"该业务属于“{name}”，不在您的管辖范围内")


def _check_opinion(workflow: Workflow, to: str, opinion: str) -> None:
    if to in workflow.requires_opinion and not opinion:
        raise ValidationError({"opinion": [f"办理“{workflow.label(to)}”须填写意见（理由）"]})


def _record(case, *, from_status: str, to: str, actor, opinion: str, deadline, region) -> TransitionRecord:
    record = TransitionRecord.objects.create(
        case_type=case._meta.label_lower,
        case_id=str(case.pk),
        from_status=from_status,
        to_status=to,
        actor=actor,
        opinion=opinion,
        deadline=deadline,
        region=region,
    )
    write_audit(
        actor=actor,
        action="transition",
        obj=case,
        changes={
            "status": {"before": from_status, "after": to},
            "opinion": opinion,
            "deadline": deadline,
            "transition": record.pk,
        },
    )
    return record


def _queue_effects(workflow: Workflow, case: WorkflowCase, record: TransitionRecord) -> None:
    for effect in workflow.on_enter.get(record.to_status, ()):
        transaction.on_commit(lambda effect=effect: effect(case, record))


def start_case(case: WorkflowCase, *, actor, opinion: str = "") -> WorkflowCase:
    """Save a new (unsaved) case in its workflow's initial status and record the first step.

    Domain services build the case with its own fields and call this inside their transaction.
    """
    workflow = workflow_of(case)
    if workflow.initial is None:
        raise ImproperlyConfigured(f"{type(case).__name__}.WORKFLOW has no initial status")
    if case.pk is not None and type(case)._default_manager.filter(pk=case.pk).exists():
        raise ValidationError("该业务已经开始办理")
    opinion = (opinion or "").strip()
    _check_actor(case, workflow.starters, actor=actor, action="发起该业务")
    now = timezone.now()
    case.status = workflow.initial
    case.status_changed_at = now
    case.deadline = workflow.deadline_for(workflow.initial, timezone.localdate(now))
    with transaction.atomic():
        case.save(force_insert=True)
        record = _record(
            case,
            from_status="",
            to=case.status,
            actor=actor,
            opinion=opinion,
            deadline=case.deadline,
            region=case_region(case),
        )
        _queue_effects(workflow, case, record)
    return case


def transition(
    case: WorkflowCase, to: str, *, actor, opinion: str = "", system: bool = False
) -> TransitionRecord:
    """Move `case` to status `to` on behalf of `actor`; returns the history row.

    `system=True` with `actor=None` is a move the platform makes by itself on a schedule (e.g. a
    public notice period ending with no objection): no role or scope check, the history row has
    no actor and the opinion says why. Any other call needs a logged-in actor.

    Raises IllegalTransition (a ValidationError) for a move not in the table, PermissionDenied
    for a role that may not make the move or a case outside the actor's scope, ValidationError
    on `opinion` when the step requires one, and Conflict when the case was moved by someone
    else since it was read (nothing is written then).
    """
    workflow = workflow_of(case)
    current, to = _plain(case.status), _plain(to)
    opinion = (opinion or "").strip()
    if to not in workflow.next_statuses(current):
        allowed = "、".join(f"“{workflow.label(s)}”" for s in workflow.next_statuses(current))
        if to not in workflow.statuses.values:
            message = f"“{to}”不是该业务的状态。"
        else:
            message = f"当前状态“{workflow.label(current)}”不能转为“{workflow.label(to)}”。"
        message += f"可办理的下一步：{allowed}" if allowed else "该业务已办结，不能再办理"
        raise IllegalTransition(message, code="illegal_transition")
    if not (system and actor is None):
        _check_actor(case, workflow.roles_for(current, to), actor=actor, action=f"办理“{workflow.label(to)}”")
    _check_opinion(workflow, to, opinion)

    now = timezone.now()
    deadline = workflow.deadline_for(to, timezone.localdate(now))
    values = {"status": to, "status_changed_at": now, "deadline": deadline}
    if any(f.name == "updated_at" for f in case._meta.concrete_fields):
        values["updated_at"] = now
    with transaction.atomic():
        moved = type(case)._default_manager.filter(pk=case.pk, status=current).update(**values)
        if moved == 0:
            raise Conflict(f"该业务已被他人办理（不再处于“{workflow.label(current)}”），请刷新后重试")
        case.status, case.status_changed_at, case.deadline = to, now, deadline
        record = _record(
            case,
            from_status=current,
            to=to,
            actor=actor,
            opinion=opinion,
            deadline=deadline,
            region=case_region(case),
        )
        _queue_effects(workflow, case, record)
    return record

"""Public notices (公示) and objections: open, record and decide objections, close expired notices.

Lock order: the notice row (`select_for_update`) before the application's compare-and-set in
`workflow.engine.transition`. Every write is audited in its own transaction.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from minzheng.accounts.roles import Role
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import write_audit
from minzheng.core.workdays import add_working_days
from minzheng.workflow.engine import Conflict, transition

from ..models import Application, ApplicationStatus, Notice, NoticeObjection
from ..models.notices import NOTICE_DAYS
from .notice_snapshot import public_snapshot

#: Working days the town has to verify an objection (local practice; configurable here).
OBJECTION_REVIEW_DAYS = 5
#: Who may record an objection (received at the 村居, the 镇街 or the district) and who decides.
RECORDERS = frozenset({Role.VILLAGE, Role.TOWN, Role.DISTRICT})
DECIDERS = frozenset({Role.TOWN, Role.DISTRICT})
EXPIRED_OPINION = "公示期满无异议"
LEFT_NOTICE = "申请已不在公示环节"


def _require(actor, roles: frozenset[str], region, action: str) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录")
    if not actor.is_superuser and actor.role not in roles:
        raise PermissionDenied(f"您的角色（{actor.get_role_display()}）不能{action}")
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"该公示属于“{region.name}”，不在您的管辖范围内")


def notice_period(published_on: date) -> tuple[date, date]:
    """First and last day (both included) of a notice published on `published_on`."""
    return published_on, published_on + timedelta(days=NOTICE_DAYS - 1)


def open_notice(application: Application, *, actor) -> Notice:
    """Publish the notice of an application that has just entered 公示 (7 calendar days from today).

    Called by the application procedure inside its transaction, right after the town review moved
    the case to NOTICE, and again after a dismissed objection. `actor=None` is the system.
    """
    if application.status != ApplicationStatus.NOTICE:
        raise ValidationError({"status": f"申请{application.number}不在“公示中”环节，不能发布公示"})
    if actor is not None:
        _require(actor, frozenset({Role.TOWN, Role.DISTRICT}), application.region, "发布公示")
    published_on, ends_on = notice_period(timezone.localdate())
    with transaction.atomic():
        if Notice.objects.filter(application=application, status__in=_RUNNING).exists():
            raise ValidationError({"application": f"申请{application.number}已有正在进行的公示"})
        snapshot = public_snapshot(application, on=published_on, ends_on=ends_on)
        notice = Notice.objects.create(
            application=application,
            region=application.region,
            month=published_on.replace(day=1),
            published_on=published_on,
            ends_on=ends_on,
            opened_by=actor if getattr(actor, "pk", None) else None,
            **snapshot,
        )
        write_audit(
            actor=actor,
            action="notice_open",
            obj=notice,
            changes={
                "application": application.number,
                "published_on": published_on,
                "ends_on": ends_on,
                **snapshot,
            },
        )
    return notice


_RUNNING = [Notice.Status.OPEN, Notice.Status.OBJECTED]


def close_expired_notices(*, today: date | None = None) -> int:
    """Move every case whose notice has ended without a pending objection on to district approval.

    Returns how many cases moved. Notices are selected in one query; each case then moves in its
    own transaction (a conflict on one case — someone moved it meanwhile — skips only that case).
    Running notices whose application has already left 公示 are closed in one UPDATE.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    pending = NoticeObjection.objects.filter(notice=OuterRef("pk"), outcome=NoticeObjection.Outcome.PENDING)
    with transaction.atomic():
        stale = list(
            Notice.objects.select_for_update(of=("self",))
            .filter(status__in=_RUNNING, ends_on__lt=today)
            .exclude(application__status=ApplicationStatus.NOTICE)
        )
        Notice.objects.filter(pk__in=[n.pk for n in stale]).update(
            status=Notice.Status.CLOSED, closed_at=now, close_reason=LEFT_NOTICE, updated_at=now
        )
        for notice in stale:
            write_audit(
                actor=None,
                action="notice_close",
                obj=notice,
                changes={"status": {"before": notice.status, "after": "closed"}, "reason": LEFT_NOTICE},
            )
    due = (
        Notice.objects.filter(
            status=Notice.Status.OPEN, ends_on__lt=today, application__status=ApplicationStatus.NOTICE
        )
        .exclude(Exists(pending))
        .select_related("application__region")
        .order_by("ends_on", "id")
    )
    moved = 0
    for notice in due:
        try:
            with transaction.atomic():
                claimed = Notice.objects.filter(pk=notice.pk, status=Notice.Status.OPEN).update(
                    status=Notice.Status.CLOSED, closed_at=now, close_reason=EXPIRED_OPINION, updated_at=now
                )
                if not claimed:
                    continue
                write_audit(
                    actor=None,
                    action="notice_expire",
                    obj=notice,
                    changes={"status": {"before": "open", "after": "closed"}},
                )
                transition(
                    notice.application,
                    ApplicationStatus.DISTRICT_REVIEW,
                    actor=None,
                    system=True,
                    opinion=EXPIRED_OPINION,
                )
        except Conflict:
            continue
        moved += 1
    return moved


def record_objection(
    notice: Notice, *, actor, content: str, objector: str = "", received_on: date | None = None
) -> NoticeObjection:
    """Register an objection to a running notice; the case stays in 公示 until it is decided."""
    _require(actor, RECORDERS, notice.region, "登记公示异议")
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": "请填写异议内容"})
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("application").get(pk=notice.pk)
        if notice.status == Notice.Status.CLOSED or notice.application.status != ApplicationStatus.NOTICE:
            raise ValidationError({"notice": "该公示已结束，不能再登记异议"})
        if not notice.published_on <= received_on <= notice.ends_on:
            raise ValidationError(
                {
                    "received_on": f"异议须在公示期内（{notice.published_on:%Y-%m-%d}至"
                    f"{notice.ends_on:%Y-%m-%d}）提出"
                }
            )
        objection = NoticeObjection.objects.create(
            notice=notice,
            received_on=received_on,
            objector=(objector or "").strip(),
            content=content,
            recorded_by=actor,
            deadline=add_working_days(received_on, OBJECTION_REVIEW_DAYS),
        )
        if notice.status != Notice.Status.OBJECTED:
            notice.status = Notice.Status.OBJECTED
            notice.save(update_fields=["status", "updated_at"])
        write_audit(
            actor=actor,
            action="notice_objection",
            obj=notice,
            changes={"objection": objection.pk, "received_on": received_on, "deadline": objection.deadline},
        )
    return objection


def decide_objection(objection: NoticeObjection, *, actor, upheld: bool, opinion: str) -> NoticeObjection:
    """Decide an objection after verification.

    Upheld: the notice ends and the case goes back to 入户调查 (ACCEPTED), together with any
    other objection still pending on the same notice. Dismissed: once no objection is pending,
    the notice ends and a fresh notice of the full length starts (RULES.md §2).
    """
    notice = objection.notice
    _require(actor, DECIDERS, notice.region, "处理公示异议")
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"opinion": "请填写核实意见"})
    outcome = NoticeObjection.Outcome.UPHELD if upheld else NoticeObjection.Outcome.DISMISSED
    now = timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("application__region").get(pk=notice.pk)
        decided = NoticeObjection.objects.filter(
            pk=objection.pk, outcome=NoticeObjection.Outcome.PENDING
        ).update(outcome=outcome, opinion=opinion, handled_by=actor, handled_at=now, updated_at=now)
        if not decided:
            raise ValidationError({"outcome": "该异议已处理，请刷新后查看"})
        write_audit(
            actor=actor,
            action="notice_objection_decide",
            obj=notice,
            changes={"objection": objection.pk, "outcome": outcome.value, "opinion": opinion},
        )
        application = notice.application
        if upheld:
            NoticeObjection.objects.filter(notice=notice, outcome=NoticeObjection.Outcome.PENDING).update(
                outcome=outcome,
                opinion=f"随同异议#{objection.pk}成立处理",
                handled_by=actor,
                handled_at=now,
                updated_at=now,
            )
            _close(notice, actor=actor, reason="异议成立，退回重新调查", now=now)
            transition(
                application, ApplicationStatus.ACCEPTED, actor=actor, opinion=f"公示异议成立：{opinion}"
            )
        elif not notice.objections.filter(outcome=NoticeObjection.Outcome.PENDING).exists():
            _close(notice, actor=actor, reason="异议不成立，重新公示", now=now)
            open_notice(application, actor=actor)
    objection.refresh_from_db()
    return objection


def _close(notice: Notice, *, actor, reason: str, now) -> None:
    before = notice.status
    notice.status, notice.closed_at, notice.close_reason = Notice.Status.CLOSED, now, reason
    notice.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    write_audit(
        actor=actor,
        action="notice_close",
        obj=notice,
        changes={"status": {"before": before, "after": "closed"}, "reason": reason},
    )

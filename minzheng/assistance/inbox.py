"""Social assistance in the task inbox (`workflow.inbox`): what waits for whom.

Imported once from `AssistanceConfig.ready()`. Registers:

- **救助申请** (the built-in workflow source, refined): 受理 and 镇街审核 wait for the town; 入户调查
  waits for the village assistant and the town — or for the district when the applicant
  declared a relative working in civil affairs (`record_investigation` enforces it); 区级审批
  waits for the district. 公示中 waits for nobody: the notice closes by itself, and an
  objection shows up as its own item.
- **公示异议**: objections not yet decided, for the town and the district (`DECIDERS`).
- **定期复核**: reviews due within `REVIEW_HORIZON_DAYS`, for the village assistant and the town.
- **成年孤儿安置等跟进事项**: open follow-up tasks, for the town and the district.
- **留守儿童走访**: active left-behind children whose care visit is overdue, for the village
  assistant and the town.
"""

from datetime import date, timedelta

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Role
from minzheng.accounts.scoping import visible_to
from minzheng.core.masking import display_name
from minzheng.workflow.inbox import (
    InboxItem,
    QuerySource,
    configure_case_inbox,
    region_name,
    register_inbox_source,
)

from .models import Application, ApplicationStatus, FollowUpTask, LeftBehindChild, NoticeObjection, Review
from .models.children import mask_child_name

S = ApplicationStatus
#: A yearly review shows in the inbox this many days before it is due.
REVIEW_HORIZON_DAYS = 30

_investigated_here = Q(status=S.ACCEPTED, relative_in_civil_affairs=False)
APPLICATION_WAITING_FOR = {
    Role.VILLAGE: _investigated_here,
    Role.TOWN: Q(status__in=[S.APPLIED, S.INCOMPLETE, S.INVESTIGATED]) | _investigated_here,
    Role.DISTRICT: Q(status=S.DISTRICT_REVIEW) | Q(status=S.ACCEPTED, relative_in_civil_affairs=True),
}


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _for(roles):
    """The queryset callable only answers for users of these roles (others: not their work)."""

    def decorate(build):
        def queryset(user, today: date):
            if not (user.is_superuser or user.role in roles):
                return None
            return build(user, today)

        return queryset

    return decorate


def _application_title(application: Application) -> str:
    return f"{application.number} {application.get_program_display()} {display_name(application.person)}"


# --- objections ----------------------------------------------------------------------------


@_for({Role.TOWN, Role.DISTRICT})
def _objections(user, today: date):
    return visible_to(
        user, NoticeObjection.objects.filter(outcome=NoticeObjection.Outcome.PENDING)
    ).select_related("notice", "notice__region", "notice__region__parent")


def _objection_item(objection: NoticeObjection, today: date) -> InboxItem:
    notice = objection.notice
    return InboxItem(
        title=f"{notice.program_name} {notice.head_name}：{objection.received_on:%Y-%m-%d}收到异议",
        type_label=str(_("公示异议")),
        region_name=region_name(notice.region),
        status_label=str(objection.get_outcome_display()),
        due=objection.deadline,
        url=_url("assistance:notice-objection-decide", objection.pk),
        overdue=objection.deadline is not None and objection.deadline < today,
    )


# --- reviews -------------------------------------------------------------------------------


@_for({Role.VILLAGE, Role.TOWN})
def _reviews(user, today: date):
    horizon = today + timedelta(days=REVIEW_HORIZON_DAYS)
    return visible_to(user, Review.objects.filter(status="due", due_on__lte=horizon)).select_related(
        "person", "entitlement__scheme", "region", "region__parent"
    )


def _review_item(review: Review, today: date) -> InboxItem:
    return InboxItem(
        title=f"{review.entitlement.scheme.name}：{display_name(review.person)}",
        type_label=str(_("定期复核")),
        region_name=region_name(review.region),
        status_label=str(review.get_status_display()),
        due=review.due_on,
        url=_url("assistance:review", review.pk) or _url("admin:assistance_review_change", review.pk),
        overdue=review.due_on < today,
    )


# --- children ------------------------------------------------------------------------------


@_for({Role.TOWN, Role.DISTRICT})
def _follow_ups(user, today: date):
    return visible_to(user, FollowUpTask.objects.filter(status=FollowUpTask.Status.OPEN)).select_related(
        "region", "region__parent"
    )


def _follow_up_item(task: FollowUpTask, today: date) -> InboxItem:
    return InboxItem(
        title=task.title,
        type_label=str(task.get_kind_display()),
        region_name=region_name(task.region),
        status_label=str(task.get_status_display()),
        due=task.due_on,
        url=task.get_absolute_url(),
        overdue=task.due_on < today,
    )


@_for({Role.VILLAGE, Role.TOWN})
def _visits_overdue(user, today: date):
    return visible_to(
        user, LeftBehindChild.objects.filter(status=LeftBehindChild.Status.ACTIVE, next_visit_due__lt=today)
    ).select_related("person", "region", "region__parent")


def _visit_item(record: LeftBehindChild, today: date) -> InboxItem:
    return InboxItem(
        title=f"{mask_child_name(record.person.name)}（{record.get_risk_level_display()}）",
        type_label=str(_("留守儿童走访")),
        region_name=region_name(record.region),
        status_label=str(_("走访已逾期")),
        due=record.next_visit_due,
        url=record.get_absolute_url(),
        overdue=record.next_visit_due < today,
    )


def register() -> None:
    """Register the sources (idempotent: sources are keyed by name)."""
    configure_case_inbox(
        Application,
        waiting_for=APPLICATION_WAITING_FOR,
        title=_application_title,
        select_related=("person",),
        url=lambda application: _url("assistance:application", application.pk),
        order=10,
    )
    register_inbox_source(
        "assistance.objections",
        _("公示异议"),
        spec=QuerySource(
            queryset=_objections,
            item=_objection_item,
            due_field="deadline",
            more_url=lambda user: _url("admin:assistance_noticeobjection_changelist"),
        ),
        order=20,
    )
    register_inbox_source(
        "assistance.reviews",
        _("定期复核"),
        spec=QuerySource(
            queryset=_reviews,
            item=_review_item,
            due_field="due_on",
            more_url=lambda user: _url("assistance:reviews") or _url("admin:assistance_review_changelist"),
        ),
        order=30,
    )
    register_inbox_source(
        "assistance.follow_ups",
        _("跟进事项（成年孤儿安置）"),
        spec=QuerySource(
            queryset=_follow_ups,
            item=_follow_up_item,
            due_field="due_on",
            more_url=lambda user: _url("admin:assistance_followuptask_changelist"),
        ),
        order=40,
    )
    register_inbox_source(
        "assistance.left_behind_visits",
        _("留守儿童走访"),
        spec=QuerySource(
            queryset=_visits_overdue,
            item=_visit_item,
            due_field="next_visit_due",
            more_url=lambda user: _url("assistance:left-behind-overdue"),
        ),
        order=50,
    )


register()

"""Sidebar navigation by business area. Only areas that are built appear."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability, has_capability


def _can(capability):
    return lambda request: has_capability(request.user, capability)


def sidebar_navigation(request):
    return [
        {
            "title": _("工作台"),
            "items": [
                {"title": _("首页"), "icon": "dashboard", "link": reverse_lazy("admin:index")},
            ],
        },
        {
            "title": _("人口与户籍"),
            "items": [
                {
                    "title": _("人员"),
                    "icon": "person",
                    "link": reverse_lazy("admin:registry_person_changelist"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("家庭户"),
                    "icon": "family_restroom",
                    "link": reverse_lazy("admin:registry_household_changelist"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("行政区划"),
                    "icon": "account_tree",
                    "link": reverse_lazy("admin:registry_region_changelist"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("导入与导出"),
                    "icon": "upload_file",
                    "link": reverse_lazy("backoffice:import"),
                    "permission": _can(Capability.DATA_EXPORT),
                },
            ],
        },
        {
            "title": _("待遇发放"),
            "items": [
                {
                    "title": _("待遇项目与标准"),
                    "icon": "rule",
                    "link": reverse_lazy("admin:benefits_scheme_changelist"),
                    "permission": _can(Capability.BENEFITS_VIEW),
                },
                {
                    "title": _("待遇资格"),
                    "icon": "assignment_ind",
                    "link": reverse_lazy("admin:benefits_entitlement_changelist"),
                    "permission": _can(Capability.BENEFITS_VIEW),
                },
                {
                    "title": _("发放批次"),
                    "icon": "payments",
                    "link": reverse_lazy("admin:benefits_payrollrun_changelist"),
                    "permission": _can(Capability.BENEFITS_VIEW),
                },
                {
                    "title": _("银行账户"),
                    "icon": "account_balance_wallet",
                    "link": reverse_lazy("admin:benefits_bankaccount_changelist"),
                    "permission": _can(Capability.BENEFITS_VIEW),
                },
            ],
        },
        {
            "title": _("统计分析"),
            "items": [
                {
                    "title": _("统计总览"),
                    "icon": "monitoring",
                    "link": reverse_lazy("stats:overview"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("年度工作报告"),
                    "icon": "description",
                    "link": reverse_lazy("stats:annual-report"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("民政统计季报"),
                    "icon": "table_chart",
                    "link": reverse_lazy("stats:quarterly"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("年度目标"),
                    "icon": "flag",
                    "link": reverse_lazy("admin:stats_target_changelist"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
                {
                    "title": _("统计期结账"),
                    "icon": "lock_clock",
                    "link": reverse_lazy("stats:periods"),
                    "permission": _can(Capability.REGISTRY_VIEW),
                },
            ],
        },
        {
            "title": _("系统管理"),
            "items": [
                {
                    "title": _("用户与角色"),
                    "icon": "manage_accounts",
                    "link": reverse_lazy("admin:accounts_user_changelist"),
                    "permission": _can(Capability.ACCOUNTS_MANAGE),
                },
                {
                    "title": _("审计日志"),
                    "icon": "policy",
                    "link": reverse_lazy("admin:core_auditlog_changelist"),
                    "permission": _can(Capability.AUDIT_VIEW),
                },
                {
                    "title": _("后台任务"),
                    "icon": "pending_actions",
                    "link": reverse_lazy("admin:core_job_changelist"),
                    "permission": _can(Capability.JOBS_VIEW),
                },
                {
                    "title": _("工作日历"),
                    "icon": "calendar_month",
                    "link": reverse_lazy("admin:core_calendarday_changelist"),
                    "permission": _can(Capability.ACCOUNTS_MANAGE),
                },
            ],
        },
    ]

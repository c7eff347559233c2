"""Sidebar navigation by business area. Only areas that are built appear."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.roles import Capability, has_capability


def _can(capability):
    return lambda request: has_capability(request.user, capability)


def _item(title, icon: str, url_name: str, capability) -> dict:
    return {"title": title, "icon": icon, "link": reverse_lazy(url_name), "permission": _can(capability)}


def sidebar_navigation(request):
    return [
        {
            "title": _("工作台"),
            "items": [
                {"title": _("首页"), "icon": "dashboard", "link": reverse_lazy("admin:index")},
                _item(_("待办事项"), "inbox", "workflow:inbox", Capability.BACK_OFFICE),
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
            "title": _("社会救助"),
            "collapsible": True,
            "items": [
                _item(
                    _("救助申请"),
                    "assignment",
                    "admin:assistance_application_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("新建救助申请"), "note_add", "assistance:application-new", Capability.REGISTRY_CHANGE
                ),
                _item(
                    _("公示管理"), "campaign", "admin:assistance_notice_changelist", Capability.REGISTRY_VIEW
                ),
                _item(_("定期复核"), "event_repeat", "assistance:reviews", Capability.REGISTRY_VIEW),
                _item(
                    _("终止救助通知书"),
                    "description",
                    "admin:assistance_exitnotice_changelist",
                    Capability.BENEFITS_VIEW,
                ),
                _item(
                    _("违规领取追回"),
                    "undo",
                    "admin:assistance_recovery_changelist",
                    Capability.BENEFITS_VIEW,
                ),
                _item(
                    _("医疗救助报销"),
                    "medical_services",
                    "admin:assistance_medicalclaim_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("医疗救助报销登记"),
                    "add_card",
                    "assistance:medical-claim-new",
                    Capability.BENEFITS_MANAGE,
                ),
                _item(
                    _("临时救助"),
                    "emergency",
                    "admin:assistance_temporaryaid_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("临时救助审批"), "post_add", "assistance:temporary-aid-new", Capability.BENEFITS_MANAGE
                ),
            ],
        },
        {
            "title": _("儿童福利、扶贫与减灾"),
            "collapsible": True,
            "items": [
                _item(
                    _("儿童档案"),
                    "child_care",
                    "admin:assistance_childprofile_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("一次性助学补贴"),
                    "school",
                    "admin:assistance_educationgrant_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("留守儿童名册"),
                    "diversity_1",
                    "admin:assistance_leftbehindchild_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("留守儿童走访逾期"), "alarm", "assistance:left-behind-overdue", Capability.REGISTRY_VIEW
                ),
                _item(
                    _("跟进事项"),
                    "task_alt",
                    "admin:assistance_followuptask_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("贫困户名册"),
                    "home_work",
                    "admin:assistance_poorhousehold_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("结对帮扶"),
                    "handshake",
                    "admin:assistance_pairedhelper_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("灾害事件"),
                    "thunderstorm",
                    "admin:assistance_disasterevent_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("避灾场所启用"),
                    "night_shelter",
                    "admin:assistance_shelteropening_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("受灾救助"),
                    "volunteer_activism",
                    "admin:assistance_reliefgiven_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("慈善募捐活动"),
                    "savings",
                    "admin:assistance_charitycampaign_changelist",
                    Capability.REGISTRY_VIEW,
                ),
                _item(
                    _("捐赠"), "payments", "admin:assistance_donation_changelist", Capability.REGISTRY_VIEW
                ),
                _item(
                    _("慈善称号"),
                    "military_tech",
                    "admin:assistance_charitytitle_changelist",
                    Capability.REGISTRY_VIEW,
                ),
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

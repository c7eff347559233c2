"""Roles (ARCHITECTURE.md §3) and what each may do. One table, read by every channel."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    DISTRICT = "district", _("区局科室")
    TOWN = "town", _("镇街经办")
    VILLAGE = "village", _("村居协理")
    FINANCE = "finance", _("财务")
    LEADER = "leader", _("领导")
    SOCIAL_ORG = "social_org", _("社会组织用户")
    PUBLIC = "public", _("公众")


class Capability(models.TextChoices):
    BACK_OFFICE = "back_office", _("进入后台")
    REGISTRY_VIEW = "registry.view", _("查看人口户籍")
    REGISTRY_CHANGE = "registry.change", _("维护人口户籍")
    PII_REVEAL = "pii.reveal", _("查看完整敏感信息")
    DATA_IMPORT = "data.import", _("批量导入")
    DATA_EXPORT = "data.export", _("导出（脱敏）")
    DATA_EXPORT_UNMASKED = "data.export_unmasked", _("导出完整信息")
    ACCOUNTS_MANAGE = "accounts.manage", _("管理用户")
    AUDIT_VIEW = "audit.view", _("查看审计日志")
    JOBS_VIEW = "jobs.view", _("查看后台任务")
    BENEFITS_VIEW = "benefits.view", _("查看待遇发放")
    BENEFITS_MANAGE = "benefits.manage", _("维护待遇项目、标准和资格")
    PAYROLL_BUILD = "payroll.build", _("编制发放批次")
    PAYROLL_APPROVE = "payroll.approve", _("审批发放批次")
    PAYROLL_EXPORT = "payroll.export", _("导出银行文件与对账")
    BANK_ACCOUNT_REVEAL = "bank_account.reveal", _("查看完整银行账号")
    STATS_MANAGE = "stats.manage", _("统计期结账与年度目标")


_STAFF = {Capability.BACK_OFFICE, Capability.REGISTRY_VIEW, Capability.JOBS_VIEW, Capability.BENEFITS_VIEW}
_CASEWORK = _STAFF | {Capability.REGISTRY_CHANGE, Capability.DATA_IMPORT, Capability.DATA_EXPORT}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Capability.values),
    Role.DISTRICT: frozenset(
        _CASEWORK
        | {Capability.PII_REVEAL, Capability.DATA_EXPORT_UNMASKED, Capability.AUDIT_VIEW}
        | {Capability.BENEFITS_MANAGE, Capability.PAYROLL_BUILD, Capability.PAYROLL_APPROVE}
        | {Capability.STATS_MANAGE}
    ),
    Role.TOWN: frozenset(_CASEWORK | {Capability.PII_REVEAL}),
    Role.VILLAGE: frozenset(_CASEWORK - {Capability.DATA_IMPORT}),
    Role.FINANCE: frozenset(
        _STAFF
        | {
            Capability.DATA_EXPORT,
            Capability.PAYROLL_BUILD,
            Capability.PAYROLL_APPROVE,
            Capability.PAYROLL_EXPORT,
        }
        | {Capability.BANK_ACCOUNT_REVEAL}
    ),
    Role.LEADER: frozenset(_STAFF | {Capability.DATA_EXPORT, Capability.AUDIT_VIEW}),
    Role.SOCIAL_ORG: frozenset(),
    Role.PUBLIC: frozenset(),
}

BACK_OFFICE_ROLES = frozenset(role for role, caps in CAPABILITIES.items() if Capability.BACK_OFFICE in caps)


def has_capability(user, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in CAPABILITIES.get(user.role, frozenset())

"""The audit trail: every service writes here inside its own transaction."""

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from .models import AuditLog

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return f"{value}（#{value.pk}）"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def object_type(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def write_audit(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, object_repr: str | None = None
) -> AuditLog:
    """Record one action. Must be called inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("write_audit must run inside the service's transaction")
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=(object_repr if object_repr is not None else str(obj))[:200],
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        ip_address=request_ip.get(),
    )


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": old, "after": new}} for the fields that changed."""
    return {
        key: {"before": _plain(before.get(key)), "after": _plain(after.get(key))}
        for key in after
        if _plain(before.get(key)) != _plain(after.get(key))
    }


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def history_for(obj: models.Model):
    return AuditLog.objects.filter(object_type=object_type(obj), object_id=str(obj.pk)).select_related(
        "actor"
    )


def log_denied_access(*, actor, model_label: str, object_id: str) -> AuditLog:
    """An attempt to reach a record outside the actor's scope (answered with 404)."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action="access_denied",
        object_type=model_label.lower(),
        object_id=str(object_id)[:64],
        object_repr="",
        ip_address=request_ip.get(),
    )


ACTION_LABELS = {
    "create": "新建",
    "update": "修改",
    "add_member": "成员入户",
    "remove_member": "成员离户",
    "move": "户籍迁移",
    "record_death": "登记死亡",
    "reveal": "查看完整信息",
    "export": "导出",
    "import": "导入",
    "access_denied": "越权访问被拒绝",
    "transition": "流程流转",
    "set_standard": "设定待遇标准",
    "grant": "核定待遇",
    "end_entitlement": "终止待遇",
    "suspend_entitlement": "暂停待遇",
    "resume_entitlement": "恢复待遇",
    "update_income": "调整核定收入",
    "set_bank_account": "维护银行账户",
    "build_payroll": "编制发放批次",
    "approve_payroll": "审批发放批次",
    "export_bank_file": "导出银行文件",
    "reconcile_payments": "银行回盘对账",
    "close_period": "统计期结账",
    "delete": "删除",
    "approve_medical_claim": "核准医疗救助",
    "refuse_medical_claim": "不予医疗救助",
    "grant_temporary_aid": "发放临时救助",
    "attach_document": "上传申请材料",
    "record_investigation": "登记入户调查结果",
    "download": "下载文件",
    "notice_open": "发布公示",
    "notice_close": "结束公示",
    "notice_expire": "公示期满",
    "notice_objection": "登记公示异议",
    "notice_objection_decide": "处理公示异议",
    "complete_review": "完成复核",
    "exit_recipient": "终止救助",
    "recover_fraud": "追回违规领取",
    "recover_after_death": "登记死亡后发放的追回",
    "end_entitlement_retroactively": "追溯终止待遇",
    "register_child": "儿童建档",
    "update_child": "修改儿童档案",
    "view_child": "查看儿童完整信息",
    "grant_education": "发放一次性助学补贴",
    "register_left_behind": "留守儿童登记",
    "care_visit": "关爱走访",
    "close_left_behind": "留守儿童销册",
    "open_follow_up": "新建跟进事项",
    "complete_follow_up": "完成跟进事项",
    "poverty_register": "贫困户建档",
    "poverty_pair_helper": "结对帮扶",
    "poverty_measure": "帮扶措施",
    "poverty_visit": "扶贫走访",
    "poverty_exit": "办理脱贫",
    "poverty_reopen": "撤销脱贫",
    "disaster_event": "登记灾害事件",
    "disaster_event_end": "灾害事件结束",
    "shelter_open": "启用避灾场所",
    "shelter_close": "关闭避灾场所",
    "relief_cash": "发放受灾救助金",
    "relief_goods": "发放救灾物资",
    "charity_campaign": "新建募捐活动",
    "charity_donation": "登记捐赠",
    "charity_donations_batch": "批量登记捐赠",
    "charity_title": "授予慈善称号",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)

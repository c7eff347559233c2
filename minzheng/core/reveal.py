"""Showing the full value of a masked field: a permission, and every use is audited."""

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from minzheng.accounts.roles import Capability, has_capability

from .audit import write_audit

# model label → fields that are masked by default and may be revealed
REVEALABLE: dict[str, dict[str, str]] = {
    "registry.person": {"id_number": "身份证号码", "phone": "联系电话", "disability_cert_no": "残疾证号"},
}


def reveal_field(obj: models.Model, field: str, *, actor) -> str:
    """Return the full value of `field` and record who saw it. The caller checks the scope."""
    label = obj._meta.label_lower
    if field not in REVEALABLE.get(label, {}):
        raise PermissionDenied("该字段不能查看完整信息")
    if not has_capability(actor, Capability.PII_REVEAL):
        raise PermissionDenied("您的角色不能查看完整的敏感信息")
    with transaction.atomic():
        write_audit(actor=actor, action="reveal", obj=obj, changes={"field": field})
    return getattr(obj, field) or ""

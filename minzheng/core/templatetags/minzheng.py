"""Template filters for the back office: audit labels and change summaries."""

from django import template

from minzheng.core.audit import action_label

register = template.Library()


@register.filter
def audit_action(value: str) -> str:
    return action_label(value)


@register.filter
def audit_changes(changes: dict) -> str:
    """A one-line reading of an audit row's changes: `字段: 旧 → 新; …` or `键: 值; …`."""
    parts = []
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            parts.append(
                f"{key}: {value['before'] if value['before'] not in (None, '') else '—'} → {value['after']}"
            )
        else:
            parts.append(f"{key}: {value}")
    return "；".join(parts)

"""Template filters for the back office: audit labels, change summaries, persons' names."""

from django import template

from minzheng.core.audit import action_label
from minzheng.core.masking import display_name

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


@register.filter
def person_name(person) -> str:
    """A person's name as lists show it: a child's masked (张**), see `masking.display_name`.
    Detail pages pass the view's `display_name(person, user=…)` instead (full view audited)."""
    return display_name(person)

"""Masking of personal data for lists, exports and public notices (RULES.md §5)."""


def mask_id_number(value: str | None) -> str:
    """440113********123X: division code and the last four characters stay visible."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    """6222 **** **** 1234 style: first four and last four digits."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    if len(digits) <= 8:
        return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张*明 for public notices: two-character names keep the surname (张*)."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
    "name": mask_name,
}


# --- persons' names (children are masked: RULES.md §5) ----------------------------------------

#: A person younger than this at the time of viewing is shown as 张** in lists, exports and
#: drill-downs; on a detail page roles with `pii.reveal` see the full name (audited).
ADULT_AGE = 18


def mask_child_name(value: str | None) -> str:
    """张**: only the surname stays visible (a child's given name is never shown in lists)."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def age_on(birth_date, day) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_minor(person, *, on=None) -> bool:
    """Under 18 on `on` (default today; for a dead person the day of death if that is earlier)."""
    from django.utils import timezone

    birth = getattr(person, "birth_date", None)
    if birth is None:
        return False
    day = on or timezone.localdate()
    died = getattr(person, "death_date", None)
    if died is not None and died < day:
        day = died
    return age_on(birth, day) < ADULT_AGE


def display_name(person, *, user=None, on=None) -> str:
    """The one place a person's name is shown from (needs `name` and `birth_date` loaded).

    Without `user` (lists, drill-downs, exports, API lists): an adult's full name, a child's masked
    (张**). With `user` (a detail page showing one person): the full name of a child too when the
    user's role has `pii.reveal` — and that full view is audited (action "reveal", field "name").
    """
    if person is None:
        return ""
    name = person.name or ""
    if not is_minor(person, on=on):
        return name
    if user is None:
        return mask_child_name(name)
    from django.db import transaction

    from minzheng.accounts.roles import Capability, has_capability

    from .audit import write_audit

    if not has_capability(user, Capability.PII_REVEAL):
        return mask_child_name(name)
    with transaction.atomic():
        write_audit(actor=user, action="reveal", obj=person, changes={"field": "name"})
    return name


def display_name_with_id(person) -> str:
    """`张**（440113********1234）`: a person as a list cell (masked ID number; child masked)."""
    if person is None:
        return ""
    return f"{display_name(person)}（{mask_id_number(person.id_number)}）"

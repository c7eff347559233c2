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

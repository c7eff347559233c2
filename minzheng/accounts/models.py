from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import BACK_OFFICE_ROLES, Role


class User(AbstractUser):
    """A member of staff (or a public / social-organisation account) with one role and one scope node."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.PUBLIC)
    scope = models.ForeignKey(
        "registry.Region",
        verbose_name=_("管辖范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("用户可以查看和办理的区域（区、镇街或村居）"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"

    def save(self, *args, **kwargs):
        # Back-office access follows the role; it is never set by hand.
        self.is_staff = self.is_superuser or self.role in BACK_OFFICE_ROLES
        super().save(*args, **kwargs)

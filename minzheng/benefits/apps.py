from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "minzheng.benefits"
    label = "benefits"
    verbose_name = _("待遇发放")

    def ready(self) -> None:
        from . import jobs, receivers  # noqa: F401  (payroll job handler, life-event receivers)

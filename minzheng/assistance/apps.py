from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "minzheng.assistance"
    label = "assistance"
    verbose_name = _("社会救助")

    def ready(self) -> None:
        from . import inbox, receivers  # noqa: F401  (task inbox sources, life-event subscriptions)

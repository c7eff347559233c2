from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "minzheng.stats"
    label = "stats"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        autodiscover_modules("indicators")

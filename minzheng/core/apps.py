from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "minzheng.core"
    label = "core"
    verbose_name = _("系统与审计")

    def ready(self) -> None:
        # Job handlers must be registered in every process that runs jobs (web and Celery workers).
        from . import datasets  # noqa: F401  (registers the "import_data" job)

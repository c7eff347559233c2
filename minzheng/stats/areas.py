"""Business areas (the chapters of the bureau's annual report) and which indicators belong to each.

An indicator's area follows from the first segment of its id: `assistance.dibao.households` is
社会救助. The six program areas keep the order of the source document's chapters; the register
and the benefits engine (`registry.`, `benefits.`) form an overview area shown last in reports.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    title: object  # lazily translated
    prefixes: tuple[str, ...]
    icon: str = "analytics"

    def __str__(self) -> str:
        return str(self.title)


AREAS: tuple[Area, ...] = (
    Area("assistance", _("社会救助"), ("assistance", "verification"), "volunteer_activism"),
    Area("eldercare", _("养老服务"), ("eldercare",), "elderly"),
    Area("community", _("社区治理"), ("community",), "groups"),
    Area("socialorgs", _("社会组织"), ("socialorgs",), "corporate_fare"),
    Area("veterans", _("双拥优抚安置"), ("veterans",), "military_tech"),
    Area("special", _("专项事务"), ("special", "placenames", "marriage", "rescue", "funeral"), "signpost"),
    Area("overview", _("底册与发放"), ("registry", "benefits"), "inventory"),
)
PROGRAM_AREAS = AREAS[:6]  # the source document's chapters, in its order
OVERVIEW = AREAS[-1]
_BY_KEY = {area.key: area for area in AREAS}
_BY_PREFIX = {prefix: area for area in AREAS for prefix in area.prefixes}


def area_for(indicator_id: str) -> Area:
    """The area of an indicator id; an id with an unknown prefix goes to the overview."""
    return _BY_PREFIX.get(indicator_id.split(".", 1)[0], OVERVIEW)


def get_area(key: str) -> Area | None:
    return _BY_KEY.get(key)

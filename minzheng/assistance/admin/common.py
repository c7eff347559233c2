"""What the assistance lists share: the register's own person search, the masked ID column, the town."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from minzheng.registry.selectors import search_persons

SEARCH_HELP = _("按姓名、完整身份证号码、身份证后几位或姓名拼音首字母查找")


def search_by_person(request, queryset, search_term, *, field: str = "person"):
    """The register's search (name, full ID number, its last digits, pinyin initials) in the
    user's scope, applied to the records whose `field` is one of the persons found."""
    term = (search_term or "").strip()
    if not term:
        return queryset, False
    return queryset.filter(**{f"{field}__in": search_persons(request.user, term).values("id")}), False


def town_of(obj) -> str:
    """The 镇街 of a record's responsible 村居 (select_related("region__parent") in the list)."""
    return obj.region.parent.name if obj.region.parent_id else ""


class PersonColumns:
    """Search and columns of a list of records about one person (`obj.person`, `obj.region`)."""

    search_fields = ["person__name"]  # replaced by the register's search
    search_help_text = SEARCH_HELP

    def get_search_results(self, request, queryset, search_term):
        return search_by_person(request, queryset, search_term)

    @display(description=_("身份证号码"))
    def masked_id(self, obj):
        return format_html('<span class="mz-masked">{}</span>', obj.person.masked_id_number)

    @display(description=_("镇街"))
    def town(self, obj):
        return town_of(obj)

"""Back-office home page: counts for the user's scope."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _


def dashboard_callback(request, context):
    from minzheng.accounts.roles import Capability, has_capability
    from minzheng.accounts.scoping import visible_to
    from minzheng.registry.models import Household, Person, Region

    user = request.user
    today = timezone.localdate()
    persons = visible_to(user, Person.objects.all()).aggregate(
        total=Count("id"),
        alive=Count("id", filter=Q(death_date__isnull=True)),
        disabled=Count("id", filter=Q(disability_grade__isnull=False, death_date__isnull=True)),
        elderly=Count(
            "id", filter=Q(death_date__isnull=True, birth_date__lte=today.replace(year=today.year - 60))
        ),
        died_this_year=Count("id", filter=Q(death_date__year=today.year)),
    )
    households = visible_to(user, Household.objects.all()).count()
    villages = visible_to(
        user, Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True)
    ).count()
    context.update(
        {
            "scope_name": user.scope.name if user.scope_id else _("全区"),
            "perms_registry_view": has_capability(user, Capability.REGISTRY_VIEW),
            "kpis": [
                {"title": _("在册人员"), "value": persons["alive"], "unit": _("人")},
                {"title": _("家庭户"), "value": households, "unit": _("户")},
                {"title": _("村（居）"), "value": villages, "unit": _("个")},
                {"title": _("持证残疾人"), "value": persons["disabled"], "unit": _("人")},
                {"title": _("60岁及以上"), "value": persons["elderly"], "unit": _("人")},
                {"title": _("本年登记死亡"), "value": persons["died_this_year"], "unit": _("人")},
            ],
        }
    )
    return context


def environment_callback(request):
    from django.conf import settings

    if settings.MINZHENG_DEMO:
        return [_("演示环境"), "warning"]
    if settings.DEBUG:
        return [_("开发环境"), "info"]
    return None

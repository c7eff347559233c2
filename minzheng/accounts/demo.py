"""Demo users, one per role. Passwords are set only when MINZHENG_DEMO is on."""

from django.conf import settings

from minzheng.core.demo import DEMO_PASSWORD, DemoContext, demo_step
from minzheng.registry.models import Region

from .models import User
from .roles import Role

# username, role, full name, scope (region code, "village" = the first generated 市桥 community)
DEMO_USERS = [
    ("admin", Role.ADMIN, "系统管理员", "440113"),
    ("quju", Role.DISTRICT, "区局救助科", "440113"),
    ("shiqiao", Role.TOWN, "市桥街道经办人", "440113007000"),
    ("shatou", Role.TOWN, "沙头街道经办人", "440113008000"),
    ("cunju", Role.VILLAGE, "社区协理员", "village"),
    ("caiwu", Role.FINANCE, "区局财务", "440113"),
    ("lingdao", Role.LEADER, "局领导", "440113"),
    ("shezu", Role.SOCIAL_ORG, "社会组织用户", None),
    ("gongzhong", Role.PUBLIC, "公众用户", None),
]


def scope_for(code: str | None) -> Region | None:
    if code is None:
        return None
    if code == "village":
        return Region.objects.filter(parent__code="440113007000", level="village").order_by("code").first()
    return Region.objects.get(code=code, valid_to__isnull=True)


@demo_step(20, "users")
def create_demo_users(ctx: DemoContext) -> None:
    for username, role, name, code in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.first_name = name
        user.scope = scope_for(code)
        user.is_superuser = role == Role.ADMIN
        if settings.MINZHENG_DEMO:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
    ctx.actor = User.objects.get(username="admin")
    ctx.log(f"演示用户：{len(DEMO_USERS)} 个")


def demo_logins() -> list[tuple[str, str, str]]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).select_related("scope")
    }
    return [
        (
            username,
            users[username].get_role_display(),
            users[username].scope.name if users[username].scope else "—",
        )
        for username, *_ in DEMO_USERS
        if username in users
    ]

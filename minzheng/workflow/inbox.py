"""The task inbox (待办事项): what waits for the user's role in the user's scope, overdue first.

The inbox reads a registry of **sources**; each source is one kind of work ("救助申请",
"定期复核", …) and yields `InboxItem`s. The workflow app knows no domain: domain apps register
their sources from `AppConfig.ready()` (social assistance in `assistance/inbox.py`).

Two ways to register a source with `register_inbox_source(name, label, …)`:

- `items=fn`: `fn(user, today) -> list[InboxItem]` — the source does its own (bounded) reads;
  the inbox sorts and truncates.
- `spec=QuerySource(queryset=…, item=…, due_field=…)`: the source names a queryset of rows
  waiting for the user (already scoped with `visible_to`) and how to show one row. The inbox
  then reads it with **two queries whatever the number of rows**: one aggregate (total and
  overdue count) and, when there is anything, one slice of the most urgent rows.

Built-in source: every concrete `WorkflowCase` model with a `WORKFLOW` (found through
`apps.get_models()`; test-only models defined in a `tests` package are left out, since they
have no migrated table). A case waits for a role when its current status has a move that role
may make (`Workflow.roles_for`). Moves that need a written opinion (refusals, returns,
withdrawals) are always possible but are not what a case waits for, so they count only for a
status that has no other move. An application type can refine this per role with
`configure_case_inbox(model, waiting_for={role: Q(...)})`, e.g. "district investigation only
for applicants with a relative in civil affairs".
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from django.apps import apps
from django.db.models import Count, F, Model, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from minzheng.accounts.scoping import visible_to

from .engine import Workflow
from .models import WorkflowCase

#: Items fetched per source when every source is shown together, and when one is chosen.
PER_SOURCE = 20
PER_SOURCE_CHOSEN = 200


@dataclass(frozen=True)
class InboxItem:
    """One thing to do. `due` is the deadline or due date; overdue when it is before today."""

    title: str
    type_label: str
    region_name: str
    status_label: str
    due: date | None
    url: str
    overdue: bool = False
    source: str = ""


@dataclass(frozen=True)
class QuerySource:
    """A source given as a queryset of rows waiting for the user.

    - `queryset(user, today)`: the rows waiting for this user, already scoped (`visible_to`);
      return None when the source is not for this user's role at all.
    - `item(obj, today)`: one row as an `InboxItem` (select_related what it reads).
    - `due_field`: the date field the list is ordered by and "overdue" is judged on.
    - `more_url(user)`: the full list elsewhere (e.g. an admin change list), or "".
    """

    queryset: Callable[..., QuerySet | None]
    item: Callable[[Model, date], InboxItem]
    due_field: str | None = None
    more_url: Callable[..., str] | None = None


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    items: Callable[..., list[InboxItem]] | None = None
    spec: QuerySource | None = None
    order: int = 100


@dataclass
class Section:
    """What one source gives the user: up to `limit` items, the total and how many are overdue."""

    name: str
    label: str
    items: list[InboxItem] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    more_url: str = ""

    @property
    def hidden(self) -> int:
        return max(self.total - len(self.items), 0)


_SOURCES: dict[str, Source] = {}


def register_inbox_source(
    name: str,
    label: str,
    items: Callable[..., list[InboxItem]] | None = None,
    *,
    spec: QuerySource | None = None,
    order: int = 100,
) -> None:
    """Add (or replace, by name) a source. Give exactly one of `items` and `spec`."""
    if (items is None) == (spec is None):
        raise ValueError("register_inbox_source needs exactly one of items= and spec=")
    _SOURCES[name] = Source(name=name, label=str(label), items=items, spec=spec, order=order)


def unregister_inbox_source(name: str) -> None:
    _SOURCES.pop(name, None)


# --- workflow cases ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseInbox:
    """How an application type appears in the inbox (all optional)."""

    waiting_for: Mapping[str, Q] = field(default_factory=dict)
    title: Callable[[Model], str] | None = None
    select_related: tuple[str, ...] = ()
    url: Callable[[Model], str] | None = None
    label: str = ""
    order: int = 10


_CASE_CONFIG: dict[str, CaseInbox] = {}


def configure_case_inbox(
    model: type[WorkflowCase],
    *,
    waiting_for: Mapping[str, Q] | None = None,
    title: Callable[[Model], str] | None = None,
    select_related: Iterable[str] = (),
    url: Callable[[Model], str] | None = None,
    label: str = "",
    order: int = 10,
) -> None:
    """Refine how cases of `model` show: per-role filters of what waits, title, links.

    `waiting_for` maps a role to the Q of cases waiting for it; roles left out use the
    workflow table (see the module docstring).
    """
    _CASE_CONFIG[model._meta.label_lower] = CaseInbox(
        waiting_for=dict(waiting_for or {}),
        title=title,
        select_related=tuple(select_related),
        url=url,
        label=str(label),
        order=order,
    )


def case_models() -> list[type[WorkflowCase]]:
    """Every concrete application type with a workflow (test-only models excluded)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, WorkflowCase)
        and isinstance(getattr(model, "WORKFLOW", None), Workflow)
        and ".tests." not in f"{model.__module__}."
    ]


def statuses_waiting_for(workflow: Workflow, role: str) -> set[str]:
    """The statuses in which a case waits for `role` (see the module docstring)."""
    waiting = set()
    for status, moves in workflow.transitions.items():
        plain = {to: roles for to, roles in moves.items() if to not in workflow.requires_opinion}
        if any(role in roles for roles in (plain or moves).values()):
            waiting.add(status)
    return waiting


def waiting_cases(model: type[WorkflowCase], user) -> QuerySet | None:
    """Cases of `model` in the user's scope that wait for the user's role, or None when none can."""
    workflow: Workflow = model.WORKFLOW
    config = _CASE_CONFIG.get(model._meta.label_lower, CaseInbox())
    role = getattr(user, "role", "")
    condition = config.waiting_for.get(role)
    if condition is None:
        statuses = statuses_waiting_for(workflow, role)
        if not statuses:
            return None
        condition = Q(status__in=sorted(statuses))
    final = workflow.final_statuses
    return visible_to(user, model._default_manager.filter(condition).exclude(status__in=final))


def _admin_url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _case_spec(model: type[WorkflowCase]) -> tuple[str, QuerySource, int]:
    meta = model._meta
    config = _CASE_CONFIG.get(meta.label_lower, CaseInbox())
    label = config.label or str(meta.verbose_name_plural)
    scope = getattr(model, "SCOPE_FIELD", "")
    related = {f.name for f in meta.concrete_fields if f.many_to_one and not f.null}
    if scope:
        related |= {scope, f"{scope}__parent"}
    related |= set(config.select_related)
    change = f"admin:{meta.app_label}_{meta.model_name}_change"

    def queryset(user, today: date):
        qs = waiting_cases(model, user)
        return None if qs is None else qs.select_related(*sorted(related))

    def item(case, today: date) -> InboxItem:
        region = _follow(case, scope)
        if config.url is not None:
            url = config.url(case)
        elif hasattr(case, "get_absolute_url"):
            url = case.get_absolute_url()
        else:
            url = _admin_url(change, case.pk)
        return InboxItem(
            title=config.title(case) if config.title else str(case),
            type_label=label,
            region_name=region_name(region),
            status_label=model.WORKFLOW.label(case.status),
            due=case.deadline,
            url=url,
            overdue=case.deadline is not None and case.deadline < today,
        )

    def more_url(user) -> str:
        return _admin_url(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    spec = QuerySource(queryset=queryset, item=item, due_field="deadline", more_url=more_url)
    return label, spec, config.order


def _follow(obj, path: str):
    for part in path.split("__") if path else ():
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def region_name(region) -> str:
    """ "市桥街道 测试一居委会" for a village, the name alone for a town or the district."""
    if region is None:
        return ""
    parent = getattr(region, "parent", None)
    if parent is not None and parent.parent_id is not None:
        return f"{parent.name} {region.name}"
    return region.name


def sources() -> list[Source]:
    """Every source: the application types first, then the registered ones, in `order`."""
    found = []
    for model in case_models():
        label, spec, order = _case_spec(model)
        found.append(Source(name=model._meta.label_lower, label=label, spec=spec, order=order))
    found.extend(_SOURCES.values())
    return sorted(found, key=lambda source: (source.order, source.label, source.name))


# --- reading -------------------------------------------------------------------------------


def urgency(item: InboxItem) -> tuple:
    """Sort key: overdue first, then by due date (none last), then by title."""
    return (not item.overdue, item.due is None, item.due or date.max, item.title)


def _read(source: Source, user, *, limit: int, today: date) -> Section | None:
    section = Section(name=source.name, label=source.label)
    if source.items is not None:
        items = source.items(user, today)
        if items is None:
            return None
        items = sorted((replace(item, source=source.name) for item in items), key=urgency)
        section.total = len(items)
        section.overdue = sum(1 for item in items if item.overdue)
        section.items = items[:limit]
        return section
    spec = source.spec
    qs = spec.queryset(user, today)
    if qs is None:
        return None
    if spec.due_field:
        counts = qs.aggregate(
            total=Count("pk"), overdue=Count("pk", filter=Q(**{f"{spec.due_field}__lt": today}))
        )
        order = [F(spec.due_field).asc(nulls_last=True), "pk"]
    else:
        counts = {**qs.aggregate(total=Count("pk")), "overdue": 0}
        order = ["pk"]
    section.total, section.overdue = counts["total"], counts["overdue"]
    if section.total and limit:
        rows = qs.order_by(*order)[:limit]
        section.items = [replace(spec.item(row, today), source=source.name) for row in rows]
    if spec.more_url is not None:
        section.more_url = spec.more_url(user) or ""
    return section


@dataclass
class Inbox:
    sections: list[Section]
    items: list[InboxItem]
    chosen: str = ""

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def overdue(self) -> int:
        return sum(section.overdue for section in self.sections)


def inbox_for(user, *, source: str = "", today: date | None = None) -> Inbox:
    """Everything waiting for `user`, overdue first then by due date.

    Every source gives its counts; the list holds at most `PER_SOURCE` items per source (or
    `PER_SOURCE_CHOSEN` of the one chosen with `source`). Sources that cannot concern the
    user's role are left out. Query count: two per query-based source, whatever the rows.
    """
    today = today or timezone.localdate()
    sections = []
    for candidate in sources():
        chosen = candidate.name == source
        if source and not chosen:
            limit = 0
        else:
            limit = PER_SOURCE_CHOSEN if chosen else PER_SOURCE
        section = _read(candidate, user, limit=limit, today=today)
        if section is not None:
            sections.append(section)
    known = {section.name for section in sections}
    chosen = source if source in known else ""
    items = sorted(
        (item for section in sections if not chosen or section.name == chosen for item in section.items),
        key=urgency,
    )
    return Inbox(sections=sections, items=items, chosen=chosen)

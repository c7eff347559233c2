"""The public snapshot of an application: the only fields a notice may publish (RULES.md §5).

- **Name**: the household head's name, part-masked (张*明). A person under 18 is never named:
  for the children's programs (孤儿, 事实无人抚养儿童, 困境儿童) the name column reads “儿童”
  and no name at all is published — not even the guardian's, since a guardian's name next to
  “孤儿基本生活费” and the village identifies the child. A household headed by a minor also
  reads “儿童”.
- **Members**: persons covered — the household's members counted by the benefits engine for a
  household program (低保), one for a per-person program.
- **Amount**: what the benefits engine computes for the first month the case would be paid
  (the month after the notice ends, or the application's `start_month` if already set), from
  the assessed income (the declared income if none was assessed) and the standard in force.
- **Village** and **program** names. The program is published under its *public label*
  (`public_program_name`), which for the two disability subsidies is not their own name:
  “困难残疾人生活补贴” or “重度残疾人护理补贴” next to a masked name and a village would tell the
  village that the household has a (severely) disabled member — a disability detail §5 forbids.
  Both are therefore published as the neutral “困难群众生活补贴” (one board section for both; the
  amount alone does not tell which). Every other program is published under its own name. The
  board and the printed notice read the label from the program, so even a notice stored before
  this rule prints neutrally.

Nothing else (ID numbers, phones, bank accounts, disability or health details) is read here.
"""

from datetime import date

from django.utils.translation import gettext_lazy as _

from minzheng.benefits.calculations import Context, compute_month
from minzheng.benefits.models import Entitlement, Scheme
from minzheng.core.masking import mask_name
from minzheng.core.months import Month
from minzheng.registry.models import Household, Membership, Person

from ..models import Application
from ..programs import Program, scheme_for
from .application_rules import ADULT_AGE, CHILD_PROGRAMS

CHILD_LABEL = "儿童"

#: Programs published under a neutral label instead of their name (it would disclose disability).
NEUTRAL_PROGRAM_LABEL = _("困难群众生活补贴")
PUBLIC_PROGRAM_LABELS = {
    Program.LIVING_SUBSIDY: NEUTRAL_PROGRAM_LABEL,
    Program.NURSING_SUBSIDY: NEUTRAL_PROGRAM_LABEL,
}


def public_program_name(program: str) -> str:
    """The name a notice publishes for `program` (never one that reveals disability or health)."""
    label = PUBLIC_PROGRAM_LABELS.get(program)
    if label is None:
        label = Program(program).label
    return str(label)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _household_of(application: Application) -> Household | None:
    if application.household_id:
        return application.household
    membership = (
        Membership.objects.filter(person_id=application.person_id, valid_to__isnull=True)
        .select_related("household__head")
        .first()
    )
    return membership.household if membership else None


def public_name(application: Application, *, on: date) -> str:
    """The name published for an application: the head's masked name, or “儿童”."""
    if application.program in CHILD_PROGRAMS:
        return CHILD_LABEL
    household = _household_of(application)
    named: Person = household.head if household is not None and household.head_id else application.person
    if _age_on(named.birth_date, on) < ADULT_AGE:
        return CHILD_LABEL
    return mask_name(named.name)


def payment_month(application: Application, *, ends_on: date) -> Month:
    if application.start_month:
        return Month.of(application.start_month)
    return Month.of(ends_on) + 1


def monthly_amount(application: Application, *, month: Month):
    """(amount, members) computed by the benefits engine on an unsaved probe entitlement."""
    scheme = scheme_for(application.program)
    income = application.assessed_income
    if income is None:
        income = application.declared_income
    probe = Entitlement(
        scheme=scheme,
        person=application.person,
        household=application.household if scheme.unit == Scheme.Unit.HOUSEHOLD else None,
        region=application.region,
        start_month=month.first_day,
        assessed_income=income,
    )
    amount, trace = compute_month(probe, month, Context([probe]))
    members = int(trace.get("members", 1)) if scheme.unit == Scheme.Unit.HOUSEHOLD else 1
    return amount, members


def public_snapshot(application: Application, *, on: date, ends_on: date) -> dict:
    """The notice fields of `application`, published on `on` and running to `ends_on`."""
    amount, members = monthly_amount(application, month=payment_month(application, ends_on=ends_on))
    return {
        "program": application.program,
        "program_name": public_program_name(application.program),
        "village_name": application.region.name,
        "head_name": public_name(application, on=on),
        "members": members,
        "monthly_amount": amount,
    }

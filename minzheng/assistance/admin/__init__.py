"""Back-office screens of social assistance, one module per area."""

from . import applications, charity, children, disaster, medical, notices, poverty, reviews  # noqa: F401

"""Demo steps of social assistance, one module per area; `seed_demo` autodiscovers this package."""

from . import applications, charity, children, dibao, disaster, medical, notices, poverty, reviews  # noqa: F401

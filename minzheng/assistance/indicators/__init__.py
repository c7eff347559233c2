"""Social-assistance indicators (ids as in FIGURES.md), one module per area; `stats` autodiscovers this package."""

from . import applications, charity, children, dibao, disaster, medical, notices, poverty, reviews  # noqa: F401

"""Import/export data sets of social assistance, one module per area (autodiscovered by core.datasets)."""

from . import applications, charity, medical  # noqa: F401

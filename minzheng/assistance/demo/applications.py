"""Demo data: applications."""

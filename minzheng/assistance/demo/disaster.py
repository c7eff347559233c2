"""Demo data: disaster."""

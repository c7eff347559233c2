"""API: disaster."""

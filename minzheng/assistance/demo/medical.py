"""Demo data: medical."""

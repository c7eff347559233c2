"""Demo data: poverty."""

"""Demo data: notices."""

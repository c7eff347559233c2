"""Demo data: reviews."""

"""Demo data: charity."""

"""Demo data: children."""

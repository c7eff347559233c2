"""API: children."""

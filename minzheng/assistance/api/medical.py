"""API: medical."""

"""API: poverty."""

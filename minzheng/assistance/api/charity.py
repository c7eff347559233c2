"""API: charity."""

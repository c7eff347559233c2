"""API: applications."""

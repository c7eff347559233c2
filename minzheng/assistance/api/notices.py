"""API: notices."""

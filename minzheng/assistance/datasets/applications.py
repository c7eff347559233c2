"""Data set: applications (bulk intake)."""

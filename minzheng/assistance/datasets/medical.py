"""Data set: medical assistance claims."""

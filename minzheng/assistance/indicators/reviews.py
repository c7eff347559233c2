"""Indicators: reviews."""

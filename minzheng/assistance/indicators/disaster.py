"""Indicators: disaster."""

"""Indicators: children."""

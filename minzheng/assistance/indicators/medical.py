"""Indicators: medical."""

"""Indicators: notices."""

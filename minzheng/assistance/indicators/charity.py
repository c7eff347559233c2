"""Indicators: charity."""

"""Indicators: poverty."""

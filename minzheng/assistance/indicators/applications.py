"""Indicators: applications."""

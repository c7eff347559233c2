"""Indicators: 低保, 特困 and the two disability subsidies."""

"""Anonymised statistics: indicators, small-cell suppression, differential privacy, sharing."""

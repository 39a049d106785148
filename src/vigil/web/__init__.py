"""The web app: JSON API (/api/v1), survivor portal (/), staff console (/console)."""

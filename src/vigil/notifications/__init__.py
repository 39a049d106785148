"""The staff inbox: short notices for one person, without personal data."""

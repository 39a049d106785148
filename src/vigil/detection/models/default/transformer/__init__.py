"""Data files (not code): kept as a package so that wheels include them."""

"""Helpers for tests and benchmarks: a throw-away PostgreSQL, a live Vigil server.

They start real programs (``initdb``/``pg_ctl``, ``vigil serve``) on loopback; nothing here is
a mock. Not used by Vigil at run time.
"""

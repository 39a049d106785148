"""Passwords, sessions, MFA, roles and permissions, audit log, encryption keys."""

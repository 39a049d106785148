"""Survivor cases: intake, consent, risk, referrals, takedown requests, retention."""

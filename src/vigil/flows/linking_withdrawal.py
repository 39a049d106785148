"""Consent withdrawal reaching the perpetrator-linking graph.

When a survivor withdraws consent to investigation, her case's identifiers stop linking her
case to others: its traces, notices and node leave the graph (traces that other cases or
public posts also show stay, since they are not hers alone).
"""

from __future__ import annotations

from collections.abc import Sequence

from vigil.cases.consent import StoppedDependent
from vigil.flows.consent_withdrawal import WithdrawalHandler
from vigil.linking.service import LinkingService
from vigil.security.actor import Actor


class LinkingWithdrawal(WithdrawalHandler):
    name = "linking"
    purposes = frozenset({"investigation"})

    def __init__(self, linking: LinkingService) -> None:
        self.linking = linking

    def withdraw(self, reference: str, purpose: str, dependents: Sequence[StoppedDependent]) -> int:
        return self.linking.forget_case(
            Actor.operator("consent-withdrawal"), reference, reason="consent withdrawn"
        )

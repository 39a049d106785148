"""Consent withdrawal reaching hash banks: the survivor's hashes stop matching and sharing."""

from __future__ import annotations

from collections.abc import Sequence

from vigil.cases.consent import StoppedDependent
from vigil.flows.consent_withdrawal import WithdrawalHandler
from vigil.hashbanks.service import HashBankService
from vigil.security.actor import Actor


class HashBankWithdrawal(WithdrawalHandler):
    """Withdraws every bank linked to the case: no more matches, and the next export to
    partners carries withdrawal notices for the hashes already shared."""

    name = "hash_banks"
    purposes = frozenset({"hash_sharing"})

    def __init__(self, banks: HashBankService) -> None:
        self.banks = banks

    def withdraw(self, reference: str, purpose: str, dependents: Sequence[StoppedDependent]) -> int:
        return self.banks.withdraw_case(Actor.operator("consent-withdrawal"), reference)

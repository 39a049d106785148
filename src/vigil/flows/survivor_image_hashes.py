"""A survivor hashes her intimate images on her own device; the hashes (never the images)
go into her case's bank with the consent she gave on that page.

The portal has authenticated her (reference and passphrase, then the short portal session)
and checked the form's CSRF token before calling here. Her consent is recorded twice, as the
portal records every consent: the case's ``hash_sharing`` purpose (withdrawing it later
withdraws the bank, ``HashBankWithdrawal``) and the bank's consent record, saying what she
agreed to and when. From then on every image Vigil sees is matched against the bank.
"""

from __future__ import annotations

from collections.abc import Sequence

from vigil.cases.service import CaseService
from vigil.clock import utcnow
from vigil.flows.consent_withdrawal import ConsentWithdrawal
from vigil.hashbanks.schemas import DeviceHashes
from vigil.hashbanks.service import HashBankService
from vigil.hashbanks.survivor import add_survivor_hashes

PURPOSE = "hash_sharing"


class SurvivorImageHashes:
    def __init__(
        self, cases: CaseService, consent: ConsentWithdrawal, hashbanks: HashBankService
    ) -> None:
        self.cases = cases
        self.consent = consent
        self.hashbanks = hashbanks

    def add(
        self, case_id: int, items: Sequence[DeviceHashes], *, share_with_partners: bool
    ) -> list[int]:
        view = self.cases.intake.view(case_id)
        granted = sorted({k for k, v in view.consents.items() if v} | {PURPOSE})
        self.consent.by_survivor(case_id, granted)
        record = (
            f"{utcnow():%Y-%m-%d %H:%M} UTC, portal: the survivor hashed {len(items)} images "
            "on her own device and agreed that Vigil keeps their fingerprints to find copies"
            + (" and shares them with partner platforms" if share_with_partners else "")
        )
        return add_survivor_hashes(
            self.hashbanks,
            view.reference,
            [item.to_result() for item in items],
            consent_record=record,
            share_with_partners=share_with_partners,
        )

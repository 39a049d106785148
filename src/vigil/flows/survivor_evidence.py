"""A survivor's files go into the evidence vault, under chain of custody, and her case
records them.

The portal authenticates her (reference and passphrase, or the short portal session) before
calling here; the evidence service accepts the portal actor for uploads only. Files are
checked before anything is stored, so a refused file leaves nothing behind. The vault item
gets a neutral filename: the name on her phone may carry her own name (the case keeps it,
encrypted).
"""

from __future__ import annotations

from collections.abc import Sequence

from vigil.cases.intake import Upload
from vigil.cases.retention import VAULT_PREFIX
from vigil.cases.schemas import ReportCreate
from vigil.cases.service import CaseService
from vigil.evidence.service import EvidenceService
from vigil.security.actor import Actor

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "text/plain": ".txt",
}


class SurvivorEvidence:
    def __init__(self, cases: CaseService, evidence: EvidenceService) -> None:
        self.cases = cases
        self.evidence = evidence

    def submit(
        self, report: ReportCreate, *, client: str, files: Sequence[Upload] = ()
    ) -> tuple[str, str]:
        """File her report, then put each file in the vault; returns (reference, passphrase)."""
        files = [f for f in files if f.data]
        media_types = self.cases.intake.check_files(files)
        reference, passphrase = self.cases.intake.submit(report, client=client)
        if files:
            case_id = self.cases.intake.case_id_of(reference)
            self._store(case_id, reference, files, media_types)
        return reference, passphrase

    def add(self, case_id: int, files: Sequence[Upload], links: Sequence[str] = ()) -> int:
        """More files and links after the report (she is already authenticated)."""
        files = [f for f in files if f.data]
        media_types = self.cases.intake.check_files(files)
        added = 0
        if links or not files:
            added += self.cases.intake.add_evidence(case_id, (), links)
        if files:
            reference = self.cases.intake.reference_of(case_id)
            self._store(case_id, reference, files, media_types)
            added += len(files)
        return added

    def _store(
        self, case_id: int, reference: str, files: Sequence[Upload], media_types: Sequence[str]
    ) -> None:
        for number, (upload, media_type) in enumerate(zip(files, media_types, strict=True), 1):
            item = self.evidence.add_bytes(
                Actor.portal(),
                reference,
                upload.data,
                f"survivor-upload-{number}{_EXTENSIONS.get(media_type, '')}",
                how="upload",
                media_type=media_type,
                sensitive=True,
            )
            self.cases.intake.record_stored_evidence(
                case_id, upload, media_type, item.sha256, f"{VAULT_PREFIX}{item.uid}"
            )

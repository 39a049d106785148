"""Killing a process mid-upload leaves no row pointing at a missing or partial file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from vigil.cases.schemas import CaseCreate
from vigil.security.actor import Actor
from vigil.services import Services

# Only what an upload needs is imported: the whole composition root takes seconds to load.
UPLOADER = """
import os, sys
from vigil.evidence.service import EvidenceService
from vigil.security.actor import Actor
from vigil.security.audit import AuditLog
from vigil.security.authorization import Authorizer
from vigil.security.keys import load_field_cipher
from vigil.settings import load_settings
from vigil.storage.database import Database

settings = load_settings()
db = Database(settings.resolved_database_url, load_field_cipher(settings.keys_dir))
audit = AuditLog(db)
evidence = EvidenceService.from_settings(settings, db, audit, Authorizer(audit))
while True:
    data = os.urandom(2 * 1024 * 1024)
    item = evidence.add_bytes(Actor.operator("crash"), sys.argv[1], data, "big.bin")
    print(item.uid, flush=True)
"""
ROUNDS = 3


@pytest.mark.slow
def test_sigkill_during_uploads_leaves_consistent_vault(services: Services) -> None:
    case = services.cases.create(Actor.operator("test"), CaseCreate(title="crash test"))
    env = {**os.environ, "VIGIL_HOME": str(services.settings.home), "VIGIL_LOG_JSON": "false"}
    if services.settings.database_url:
        env["VIGIL_DATABASE_URL"] = services.settings.database_url
    added = 0
    for round_ in range(ROUNDS):
        proc = subprocess.Popen(
            [sys.executable, "-c", UPLOADER, case.reference],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        for _ in range(2):  # let it finish a couple of uploads, then strike mid-way
            assert proc.stdout.readline(), "the uploader died on its own"
            added += 1
        time.sleep(0.005 + 0.01 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    report = services.evidence.verify_vault(Actor.operator("test"))
    assert report.ok, report.problems
    listed = services.evidence.list_case(Actor.operator("test"), case.reference)
    assert len(listed) >= added
    for item in listed:  # every row's file is whole and decrypts to its hash
        _, data = services.evidence.content(Actor.operator("test"), item.uid)
        assert len(data) == item.size

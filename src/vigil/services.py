"""The composition root: builds every service from typed settings, once per process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from vigil.cases.context import CaseOptions
from vigil.cases.mail import SmtpSender
from vigil.cases.service import CaseService
from vigil.evidence.service import EvidenceService
from vigil.evidence.vault import Vault
from vigil.flows.consent_withdrawal import ConsentWithdrawal
from vigil.flows.evidence_media_match import EvidenceMediaMatch
from vigil.flows.linking_withdrawal import LinkingWithdrawal
from vigil.flows.media_match_review import MatchAlerts, MonitoredMediaMatcher
from vigil.flows.survivor_evidence import SurvivorEvidence
from vigil.flows.survivor_image_hashes import SurvivorImageHashes
from vigil.hashbanks.service import HashBankService
from vigil.hashbanks.withdrawal import HashBankWithdrawal
from vigil.insights.service import InsightsService, insights_from_settings
from vigil.linking.service import LinkingService, linking_from_settings
from vigil.monitoring.media import MediaStep, default_hasher
from vigil.monitoring.service import MonitoringService
from vigil.monitoring.settings import MonitorSettings
from vigil.notifications.service import NotificationService
from vigil.security.accounts import AccountService, LoginLimits
from vigil.security.audit import AuditLog, AuditSearch
from vigil.security.authorization import Authorizer
from vigil.security.keys import load_field_cipher, load_or_create_key
from vigil.security.passwords import Passwords
from vigil.security.ratelimit import RateLimiter
from vigil.security.sessions import SessionPolicy
from vigil.settings import VigilSettings
from vigil.storage.database import Database


@dataclass
class Services:
    settings: VigilSettings
    db: Database
    audit: AuditLog
    audit_search: AuditSearch
    authorizer: Authorizer
    limiter: RateLimiter
    accounts: AccountService
    cases: CaseService
    consent_withdrawal: ConsentWithdrawal
    survivor_evidence: SurvivorEvidence
    survivor_image_hashes: SurvivorImageHashes
    evidence: EvidenceService
    hashbanks: HashBankService
    linking: LinkingService
    insights: InsightsService
    monitoring: MonitoringService
    notifications: NotificationService

    @classmethod
    def from_settings(
        cls, settings: VigilSettings, *, passwords: Passwords | None = None
    ) -> Services:
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        cipher = load_field_cipher(settings.keys_dir)
        db = Database(settings.resolved_database_url, cipher, pool_size=settings.database_pool_size)
        audit = AuditLog(db)
        authorizer = Authorizer(audit)
        # One budget for every worker process on the host, kept across restarts.
        limiter = RateLimiter(
            settings.home / "ratelimit.sqlite3",
            secret=load_or_create_key(settings.keys_dir, "ratelimit.key"),
        )
        passwords = passwords or Passwords()
        accounts = AccountService(
            db,
            audit,
            authorizer,
            passwords,
            limiter,
            LoginLimits(settings.login_rate_limit, settings.login_user_rate_limit),
            SessionPolicy(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
            ),
        )
        cases = CaseService(
            db,
            audit,
            authorizer,
            options=CaseOptions.from_settings(settings),
            # Report passphrases are random (98 bits): light argon2id, see for_machine_secrets.
            passwords=Passwords.for_machine_secrets(),
            limiter=limiter,
            mailer=SmtpSender.from_settings(settings),
        )
        # Matched media wait for review in a vault of their own (not evidence until confirmed).
        review_store = Vault(
            settings.home / "media-review",
            load_or_create_key(settings.keys_dir, "media-review.key"),
        )
        hashbanks = HashBankService(db, audit, authorizer, settings.keys_dir, review_store)
        notifications = NotificationService(db, audit)
        monitoring = MonitoringService(
            db,
            audit,
            authorizer,
            MonitorSettings(),
            media=MediaStep(default_hasher(), MonitoredMediaMatcher(hashbanks)),
        )
        hashbanks.on_review(MatchAlerts(db, audit, notifications, monitoring.alerts.notifier))
        evidence = EvidenceService.from_settings(settings, db, audit, authorizer)
        evidence.on_add(EvidenceMediaMatch(hashbanks, audit))
        consent_withdrawal = ConsentWithdrawal(cases, evidence)
        consent_withdrawal.register(HashBankWithdrawal(hashbanks))
        linking = linking_from_settings(settings, db, audit, authorizer)
        consent_withdrawal.register(LinkingWithdrawal(linking))
        return cls(
            settings=settings,
            db=db,
            audit=audit,
            audit_search=AuditSearch(db, audit, authorizer),
            authorizer=authorizer,
            limiter=limiter,
            accounts=accounts,
            cases=cases,
            consent_withdrawal=consent_withdrawal,
            survivor_evidence=SurvivorEvidence(cases, evidence),
            survivor_image_hashes=SurvivorImageHashes(cases, consent_withdrawal, hashbanks),
            evidence=evidence,
            hashbanks=hashbanks,
            linking=linking,
            insights=insights_from_settings(settings, db, audit, authorizer),
            monitoring=monitoring,
            notifications=notifications,
        )

    def close(self) -> None:
        self.db.dispose()
        self.limiter.close()

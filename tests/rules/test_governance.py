"""Governance rules: key and secret handling found by the code scan."""

from __future__ import annotations

from dbaudit.findings import Finding, Severity
from dbaudit.model.schema import Location
from dbaudit.rules._code_facts import CodeFacts, CredentialInConfig, EphemeralKey
from dbaudit.testing import schema
from tests.rules.conftest import findings_for

MODEL = schema().table("credentials", cols={"id": "int8", "password": "text"}, pk=["id"]).build()


class TestEphemeralEncryptionKey:
    def test_generated_key_finds(self) -> None:
        """A key generated when the setting is missing is a P0 with the code location."""
        where = Location("app/utils/crypto.py", 31)
        facts = CodeFacts(ephemeral_keys=(EphemeralKey("Fernet.generate_key", "PASSWORD_ENCRYPTION_KEY", where),))
        assert findings_for(MODEL, "ephemeral-encryption-key", code=facts) == [
            Finding(
                rule="ephemeral-encryption-key",
                category="governance",
                severity=Severity.P0,
                objects=("PASSWORD_ENCRYPTION_KEY",),
                title="PASSWORD_ENCRYPTION_KEY missing -> Fernet.generate_key() invents a key; "
                "stored secrets die at restart",
                evidence=(
                    "app/utils/crypto.py:31: `Fernet.generate_key()` runs when "
                    "`PASSWORD_ENCRYPTION_KEY` is not configured",
                ),
                impact=(
                    "Values encrypted with a generated key cannot be decrypted after a restart or on "
                    "another worker: stored credentials become unusable and connections fail."
                ),
                root_cause="A missing secret is treated as a warning with a fallback instead of a start-up error.",
                locations=(where,),
            )
        ]

    def test_no_generated_key_clean(self) -> None:
        """Code that only reads a configured key yields nothing."""
        assert findings_for(MODEL, "ephemeral-encryption-key", code=CodeFacts()) == []


class TestCredentialsInConfig:
    def test_url_password_finds(self) -> None:
        """A URL with a password is reported by location, without the secret."""
        where = Location("app/settings.py", 14)
        facts = CodeFacts(credentials=(CredentialInConfig("url-password", "localhost/app", where),))
        (finding,) = findings_for(MODEL, "credentials-in-config", code=facts)
        assert (finding.severity, finding.objects, finding.locations) == (
            Severity.P1, ("app/settings.py:14",), (where,),
        )
        assert finding.evidence == (
            "app/settings.py:14: a connection URL with a password (localhost/app); value not shown",
        )

    def test_no_secrets_clean(self) -> None:
        """Nothing is reported when the scan found no secrets."""
        assert findings_for(MODEL, "credentials-in-config", code=CodeFacts()) == []

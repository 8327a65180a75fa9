"""The example's password crypto helper: ciphertext sizes and the ephemeral-key fallback."""

from __future__ import annotations

import logging

import pytest
from app import settings
from app.models import Credential
from app.utils import password_crypto_utils as crypto
from cryptography.fernet import Fernet

KEY = Fernet.generate_key()


class TestCiphertextLength:
    def test_64_and_128_character_passwords(self) -> None:
        """base64(Fernet) is 248 characters for a 64-char password and 360 for a 128-char one (> 255)."""
        cipher = Fernet(KEY)
        lengths = {n: len(crypto.encrypt_password("p" * n, cipher=cipher)) for n in (64, 128)}
        assert lengths == {64: 248, 128: 360}

    def test_formula_matches_real_ciphertexts(self) -> None:
        """encrypted_length() predicts the stored length for every plaintext length up to 200."""
        cipher = Fernet(KEY)
        real = [len(crypto.encrypt_password("p" * n, cipher=cipher)) for n in range(201)]
        assert real == [crypto.encrypted_length(n) for n in range(201)]

    def test_longest_password_that_fits(self) -> None:
        """79 characters is the longest password whose ciphertext fits in varchar(255)."""
        assert max(n for n in range(300) if crypto.encrypted_length(n) <= 255) == 79


class TestKeys:
    def test_ephemeral_key_when_not_configured(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Without PASSWORD_ENCRYPTION_KEY every call generates a new key and warns, without logging it."""
        monkeypatch.setattr(settings, "PASSWORD_ENCRYPTION_KEY", None)
        with caplog.at_level(logging.WARNING, logger=crypto.__name__):
            first, second = crypto.get_encryption_key(), crypto.get_encryption_key()
        assert (first != second, len(caplog.records), first.decode() in caplog.text) == (True, 2, False)

    def test_configured_key(self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
        """A configured key is used as is, silently."""
        monkeypatch.setattr(settings, "PASSWORD_ENCRYPTION_KEY", KEY.decode())
        with caplog.at_level(logging.WARNING, logger=crypto.__name__):
            assert (crypto.get_encryption_key(), caplog.records) == (KEY, [])

    def test_credential_round_trip(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Credential.set_password stores base64(Fernet) and get_plain_password gives the password back."""
        monkeypatch.setattr(crypto, "_fernet", Fernet(KEY))
        credential = Credential(name="c")
        credential.set_password("s3cret-" * 10)
        assert (len(credential.password), credential.get_plain_password()) == (248, "s3cret-" * 10)

    def test_wrong_key_cannot_decrypt(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A password stored under another key (e.g. before a restart) cannot be decrypted."""
        stored = crypto.encrypt_password("secret", cipher=Fernet(KEY))
        monkeypatch.setattr(crypto, "_fernet", Fernet(Fernet.generate_key()))
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt_password(stored)

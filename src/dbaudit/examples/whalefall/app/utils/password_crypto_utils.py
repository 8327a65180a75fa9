"""Encryption of stored database passwords (Fernet).

Stored value: ``base64.b64encode(Fernet(key).encrypt(plaintext))``. The Fernet token is already
urlsafe base64, so the stored text is base64 of base64: 4/3 of 4/3 of (57 + padded plaintext) bytes.
A 64-character password gives 248 characters, a 128-character one 360 - more than credentials.password
(varchar(255)) holds.

Key: PASSWORD_ENCRYPTION_KEY. When it is not set, a key is generated for this process only, with a
warning: every password stored with it becomes undecryptable after a restart.
"""

from __future__ import annotations

import base64
import logging

from cryptography.fernet import Fernet, InvalidToken

from app import settings

logger = logging.getLogger(__name__)

_fernet: Fernet | None = None


def get_encryption_key() -> bytes:
    """The configured key, or an ephemeral one generated on the fly (with a warning)."""
    configured = settings.PASSWORD_ENCRYPTION_KEY
    if configured:
        return configured.encode()
    key = Fernet.generate_key()
    logger.warning(
        "PASSWORD_ENCRYPTION_KEY is not set: generated a temporary key. Passwords encrypted now "
        "cannot be decrypted after a restart."
    )
    return key


def _cipher() -> Fernet:
    global _fernet  # noqa: PLW0603 - one cipher per process, like the original module
    if _fernet is None:
        _fernet = Fernet(get_encryption_key())
    return _fernet


def encrypt_password(plain_password: str, *, cipher: Fernet | None = None) -> str:
    """base64(Fernet token) of the password, as stored in credentials.password."""
    token = (cipher or _cipher()).encrypt(plain_password.encode("utf-8"))
    return base64.b64encode(token).decode("ascii")


def decrypt_password(stored: str, *, cipher: Fernet | None = None) -> str:
    """Inverse of encrypt_password; raises ValueError when the key does not match."""
    try:
        token = base64.b64decode(stored.encode("ascii"))
        return (cipher or _cipher()).decrypt(token).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise ValueError("stored password cannot be decrypted with the current key") from exc


def encrypted_length(plain_length: int) -> int:
    """Length of the stored text for an ASCII password of ``plain_length`` characters."""
    padded = (plain_length // 16 + 1) * 16
    token_length = 4 * -(-(57 + padded) // 3)
    return 4 * -(-token_length // 3)

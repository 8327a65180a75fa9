"""Application settings, read from the environment.

Configuration smells kept on purpose (this project reproduces an audited system):
- DATABASE_URL falls back to a hard-coded URL WITH credentials (user/password ``whalefall``), so a
  deployment that forgets the variable silently connects with a password committed to the repository.
- PASSWORD_ENCRYPTION_KEY is optional; app/utils/password_crypto_utils.py then generates an ephemeral key.
"""

from __future__ import annotations

import os

# Deliberate credentials-in-config smell (see module docstring).
DATABASE_URL: str = os.environ.get("DATABASE_URL", "postgresql://whalefall:whalefall@localhost/whalefall")

# Fernet key (urlsafe base64, 32 bytes) used to encrypt stored database passwords. Not validated.
PASSWORD_ENCRYPTION_KEY: str | None = os.environ.get("PASSWORD_ENCRYPTION_KEY")

SQLALCHEMY_ECHO: bool = os.environ.get("SQLALCHEMY_ECHO", "0") == "1"
DEFAULT_PAGE_SIZE: int = int(os.environ.get("DEFAULT_PAGE_SIZE", "20"))
PARTITION_RETENTION_MONTHS: int = int(os.environ.get("PARTITION_RETENTION_MONTHS", "12"))

"""Database credentials used to connect to managed instances.

The password is stored encrypted (see app/utils/password_crypto_utils.py). The column is String(255),
like the database column; the ciphertext is base64(Fernet token) and grows with the plaintext:
a 64-character password gives 248 characters, an 80-character one already 272 (> 255).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.utils.password_crypto_utils import decrypt_password, encrypt_password

if TYPE_CHECKING:
    from app.models.instance import Instance


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, index=True, nullable=False)
    credential_type: Mapped[str] = mapped_column(String(50), index=True, nullable=False)
    db_type: Mapped[str | None] = mapped_column(String(50), index=True)
    username: Mapped[str] = mapped_column(String(255), nullable=False)
    # Encrypted password: base64(Fernet token). 255 is too short for long passwords (see module doc).
    password: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    instances: Mapped[list[Instance]] = relationship(back_populates="credential")

    def set_password(self, plain_password: str) -> None:
        """Encrypt and store a plaintext password."""
        self.password = encrypt_password(plain_password)

    def get_plain_password(self) -> str:
        """Decrypt the stored password (fails if the key changed since it was stored)."""
        return decrypt_password(self.password)

    def __repr__(self) -> str:
        return f"<Credential {self.name}>"

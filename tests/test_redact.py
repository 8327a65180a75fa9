"""dbaudit.redact: passwords never leave the process."""

from __future__ import annotations

import pytest

from dbaudit.errors import ConnectionFailed, SourceError
from dbaudit.redact import redact_text, redact_url, url_password


class TestRedactUrl:
    @pytest.mark.parametrize(("url", "expected"), [
        ("postgresql://app:s3cret@db:5432/prod", "postgresql://app:***@db:5432/prod"),
        ("postgresql://app@db/prod", "postgresql://app@db/prod"),
        ("postgresql://db/prod?password=s3cret&sslmode=require", "postgresql://db/prod?password=***&sslmode=require"),
        ("mysql+pymysql://root:p%40ss@127.0.0.1/test", "mysql+pymysql://root:***@127.0.0.1/test"),
        ("postgresql://app:pa:ss@db/prod", "postgresql://app:***@db/prod"),
        ("postgresql://app:@db/prod", "postgresql://app:***@db/prod"),
        ("sqlite:///tmp/app.db", "sqlite:///tmp/app.db"),
    ])
    def test_password_is_masked(self, url: str, expected: str) -> None:
        """The user-info password and a password= query parameter are masked; the rest is kept."""
        assert redact_url(url) == expected

    def test_url_password(self) -> None:
        """The password is extracted (decoded) so callers can scrub it from driver messages."""
        assert (url_password("postgresql://a:b%40c@h/d"), url_password("postgresql://a@h/d")) == ("b@c", None)


class TestRedactText:
    @pytest.mark.parametrize(("text", "expected"), [
        # the punctuation after a password= value stays: only the value is masked
        ("postgresql://h/db?password=s3cret: connection refused", "postgresql://h/db?password=***: connection refused"),
        ("host=h password=se:cret dbname=x", "host=h password=*** dbname=x"),
        ("password=abc.", "password=***."),
        # an unencoded @ belongs to the password, up to the last @ before the host
        ("postgresql://app:p@ss@db/prod failed", "postgresql://app:***@db/prod failed"),
        # a quoted value with spaces is masked whole
        ("password='a b c' rejected", "password='***' rejected"),
    ])
    def test_edges_of_a_password(self, text: str, expected: str) -> None:
        assert redact_text(text) == expected

    def test_environment_passwords(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Passwords of URLs in the environment are secrets for code run on the user's behalf (env.py)."""
        from dbaudit.redact import environment_secrets  # noqa: PLC0415

        monkeypatch.setenv("DATABASE_URL", "postgresql://app:Env%21Secret@db/app")
        assert "Env!Secret" in environment_secrets()
        assert redact_text("login failed with Env!Secret", environment_secrets()) == "login failed with ***"

    def test_urls_and_pairs_in_free_text(self) -> None:
        """URLs, key=value passwords and named secrets inside a message are all scrubbed."""
        text = ("could not connect to postgresql://u:hunter2@h/db with password='hunter2' "
                "(pwd=abc; also passwd = xyz and token tok-123)")
        assert redact_text(text, ("tok-123",)) == (
            "could not connect to postgresql://u:***@h/db with password='***' "
            "(pwd=***; also passwd = *** and token ***)"
        )

    def test_errors_are_redacted_when_built(self) -> None:
        """DbauditError messages are scrubbed at construction, including extra secrets."""
        error = ConnectionFailed("cannot read postgresql://u:hunter2@h/db: driver said hunter2",
                                 secrets=("hunter2",))
        assert str(error) == "cannot read postgresql://u:***@h/db: driver said ***"
        assert str(SourceError("password=abc")) == "password=***"

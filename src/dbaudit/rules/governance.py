"""Rules of the governance category: key and secret handling found by the code scan.

These rules read only :class:`~dbaudit.rules._code_facts.CodeFacts`; without ``--code`` they are
skipped with a note. They never print a secret: a finding names the setting or host, not the value.
"""

from __future__ import annotations

from collections.abc import Iterator

from dbaudit.findings import Finding, Severity
from dbaudit.messages import msg
from dbaudit.rules._code_facts import code_facts
from dbaudit.rules.registry import RuleContext, rule

CATEGORY = "governance"


@rule("ephemeral-encryption-key", category=CATEGORY, severity=Severity.P0, requires=("code",))
def ephemeral_encryption_key(ctx: RuleContext) -> Iterator[Finding]:
    """An encryption key is generated at start-up when the configured one is missing.

    ## What it does
    Finds code that calls a key generator (`Fernet.generate_key()`, `secrets.token_bytes()`,
    `os.urandom()`) in the function that reads a `*_KEY` setting, i.e. a fallback that invents a key
    when the setting is absent.

    ## Why is this bad?
    Everything encrypted with an invented key becomes undecryptable when the process restarts: a
    deployment that forgets one environment variable silently turns every stored secret into garbage,
    and nothing fails until the data is read back. It is data loss that looks like a configuration
    warning.

    ## Example
    ```python
    key = settings.PASSWORD_ENCRYPTION_KEY or Fernet.generate_key()
    ```

    ## Use instead
    ```python
    if not settings.PASSWORD_ENCRYPTION_KEY:
        raise RuntimeError("PASSWORD_ENCRYPTION_KEY must be set")  # fail fast at start-up
    key = settings.PASSWORD_ENCRYPTION_KEY
    ```
    Keep the key in a secret store, document its rotation (MultiFernet), and check at start-up that
    stored values decrypt.

    ## References
    - https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
    """
    for key in code_facts(ctx.inputs).ephemeral_keys:
        setting = key.setting or msg("the encryption key setting")
        where = f"{key.location.path}:{key.location.line}" if key.location else "application code"
        yield ephemeral_encryption_key.finding(
            objects=[setting],
            title=msg("{setting} missing -> {call}() invents a key; stored secrets die at restart",
                      setting=setting, call=key.call),
            evidence=[msg("{where}: `{call}()` runs when `{setting}` is not configured",
                          where=where, call=key.call, setting=setting)],
            impact=(
                msg("Values encrypted with a generated key cannot be decrypted after a restart or on another "
                    "worker: stored credentials become unusable and connections fail.")
            ),
            root_cause=msg("A missing secret is treated as a warning with a fallback instead of a start-up error."),
            verify_sql=None,
            locations=[key.location] if key.location else [],
        )


@rule("credentials-in-config", category=CATEGORY, severity=Severity.P1, requires=("code",))
def credentials_in_config(ctx: RuleContext) -> Iterator[Finding]:
    """A password or secret is written into code or configuration files.

    ## What it does
    Finds connection URLs that carry a password (`postgresql://user:secret@host/db`) and assignments
    of literal strings to names such as `PASSWORD`, `SECRET_KEY`, `API_KEY` in the scanned code and
    configuration files (`.py`, `.ini`, `.toml`, `.yaml`, `.env`…). Placeholders (`${VAR}`, `***`,
    `changeme`) are ignored. The secret itself is never copied into the report.

    ## Why is this bad?
    A secret in the repository is readable by everyone who can read the code, lives forever in its
    history, and is often the silent fallback when the real configuration is missing, so a
    misconfigured deployment connects with a credential nobody meant to use.

    ## Example
    ```python
    DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://app:app@localhost/app")
    ```

    ## Use instead
    ```python
    DATABASE_URL = os.environ["DATABASE_URL"]  # no fallback: fail fast when it is not configured
    ```

    ## References
    - https://owasp.org/Top10/A07_2021-Identification_and_Authentication_Failures/
    """
    for item in code_facts(ctx.inputs).credentials:
        where = f"{item.location.path}:{item.location.line}" if item.location else "configuration"
        what = msg("a connection URL with a password") if item.kind == "url-password" else "a literal secret"
        yield credentials_in_config.finding(
            objects=[where],
            title=msg("{what} in {where}", what=what, where=where),
            evidence=[msg("{where}: {what} ({item}); value not shown", where=where, what=what, item=item.name)],
            impact=msg("Anyone with read access to the code has the credential; rotating it means a code change."),
            root_cause=msg("Secrets are written as defaults instead of being required from the environment."),
            locations=[item.location] if item.location else [],
        )

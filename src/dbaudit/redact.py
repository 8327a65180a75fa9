"""Keep secrets out of everything dbaudit prints, logs or writes.

One helper, used by the CLI's error handler, by every source when it names itself in a model, and by
the reports: connection URLs lose their password, and any text that quotes a known URL or a
``password=`` fragment is scrubbed before it leaves the process.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

MASK = "***"

# The password runs to the LAST "@" before the host (an unencoded "@" may be part of it).
_URL_PASSWORD = re.compile(
    r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^\s/?#]*)(?P<tail>@)"
)
# Where an unquoted ``password=`` value ends: at a separator, or at punctuation that ends the text
# around it ("...?password=x: connection refused" keeps its colon).
_VALUE_END = r"(?=[&\s'\")]|[:;,.](?:\s|$)|$)"
_KV_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd)\s*=\s*)(?:(?P<q>['\"])(?P<quoted>.*?)(?P=q)|(?P<secret>[^'\"\s&;]*?)"
    + _VALUE_END + ")",
    re.I,
)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd)=)(?P<secret>[^&\s]*?)" + _VALUE_END, re.I)


def _kv(match: re.Match[str]) -> str:
    quote = match["q"] or ""
    return f"{match['head']}{quote}{MASK}{quote}"


def redact_url(url: str) -> str:
    """The URL with its password (user-info part and ``password=`` query parameter) masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if parts.password is not None:
        netloc = parts.netloc.rsplit("@", 1)
        userinfo = netloc[0].split(":", 1)[0]
        netloc_text = f"{userinfo}:{MASK}@{netloc[1]}"
        parts = SplitResult(parts.scheme, netloc_text, parts.path, parts.query, parts.fragment)
        url = urlunsplit(parts)  # rebuilt only when needed: urlunsplit turns sqlite:///x into sqlite:/x
    return _QUERY_PASSWORD.sub(lambda m: m["head"] + MASK, url)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Scrub URL passwords, ``password=…`` pairs and any of ``secrets`` from free text."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK + m["tail"], text)
    text = _KV_PASSWORD.sub(_kv, text)
    text = _QUERY_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def url_password(url: str) -> str | None:
    """The password a URL carries (percent-decoded, as drivers see it), to scrub from driver messages."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return None if password is None else unquote(password)


def environment_secrets() -> tuple[str, ...]:
    """Passwords of the connection URLs in the environment (``DATABASE_URL``…): code dbaudit runs on
    the user's behalf (an Alembic ``env.py``) may quote them in its errors in any form."""
    import os  # noqa: PLC0415

    found = {url_password(value) for value in os.environ.values() if "://" in value}
    return tuple(sorted(p for p in found if p and len(p) >= 4))

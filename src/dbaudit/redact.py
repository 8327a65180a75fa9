"""Keep secrets out of everything dbaudit prints, logs or writes.

One helper, used by the CLI's error handler, by every source when it names itself in a model, and by
the reports: connection URLs lose their password, and any text that quotes a known URL or a
``password=`` fragment is scrubbed before it leaves the process.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

MASK = "***"

_URL_PASSWORD = re.compile(
    r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<secret>[^@\s]*)(?P<tail>@)"
)
_KV_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|passwd|pwd)\s*=\s*)(?P<q>['\"]?)(?P<secret>[^'\"\s&;]*)(?P=q)", re.I
)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd)=)(?P<secret>[^&\s]*)", re.I)


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
    text = _KV_PASSWORD.sub(lambda m: m["head"] + m["q"] + MASK + m["q"], text)
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

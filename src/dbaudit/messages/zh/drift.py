"""Chinese catalogue: drift."""

from __future__ import annotations

ZH: dict[str, str] = {
}

"""Chinese catalogue: titles."""

from __future__ import annotations

ZH: dict[str, str] = {
}

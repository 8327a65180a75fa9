"""Chinese catalogue: sql."""

from __future__ import annotations

ZH: dict[str, str] = {
}

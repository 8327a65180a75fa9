"""Chinese catalogue: engine."""

from __future__ import annotations

ZH: dict[str, str] = {
}

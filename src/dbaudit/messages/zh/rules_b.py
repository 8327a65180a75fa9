"""Chinese catalogue: rules_b."""

from __future__ import annotations

ZH: dict[str, str] = {
}

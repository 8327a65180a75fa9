"""Chinese catalogue: rules_a."""

from __future__ import annotations

ZH: dict[str, str] = {
}

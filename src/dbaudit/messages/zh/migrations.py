"""Chinese catalogue: migrations."""

from __future__ import annotations

ZH: dict[str, str] = {
}

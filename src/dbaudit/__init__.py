"""dbaudit: audit a project's database the way a senior DBA would."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dbaudit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]

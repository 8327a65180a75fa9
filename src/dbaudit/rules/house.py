"""Rules of the house category."""

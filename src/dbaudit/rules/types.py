"""Rules of the types category."""

"""Rules of the indexes category."""

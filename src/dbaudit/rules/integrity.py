"""Rules of the integrity category."""

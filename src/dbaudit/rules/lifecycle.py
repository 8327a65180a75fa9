"""Rules of the lifecycle category."""

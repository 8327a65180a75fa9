"""Rules of the partitioning category."""

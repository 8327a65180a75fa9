"""Rules of the naming category."""

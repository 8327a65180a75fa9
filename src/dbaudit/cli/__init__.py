"""The ``dbaudit`` command line. Only this package knows terminals and exit codes."""

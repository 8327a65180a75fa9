"""``python -m dbaudit.cli``: the same as the ``dbaudit`` command."""

from dbaudit.cli.main import main

main()

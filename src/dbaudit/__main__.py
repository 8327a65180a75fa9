"""``python -m dbaudit``: the same command line as ``dbaudit``."""

from dbaudit.cli.main import main

if __name__ == "__main__":
    main()

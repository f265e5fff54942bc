"""``python -m newsarchive`` is the ``archive`` command."""

from newsarchive.cli import main

main()

"""`python -m cascade <command>`: the entry point only. The command line itself is a view
(it prints sentences and writes reports), so it lives in cascade_view/cli.py; importing
the `cascade` package never reaches it."""

from cascade_view.cli import main

raise SystemExit(main())

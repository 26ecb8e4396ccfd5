"""`python -m cascade <command>`: see cascade/cli.py."""

from .cli import main

raise SystemExit(main())

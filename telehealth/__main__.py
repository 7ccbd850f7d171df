"""`python -m telehealth` is the `telehealth` command."""

from telehealth.cli import main

raise SystemExit(main())

"""`python -m dfss`: the same as the `dfss` console script."""

from dfss.cli import main

raise SystemExit(main())

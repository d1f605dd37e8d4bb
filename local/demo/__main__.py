"""`python -m local.demo` (make demo)."""

from local.demo import main

raise SystemExit(main())

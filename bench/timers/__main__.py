"""`python -m bench.timers`: the timer benchmark alone."""

from bench.timers import main

main()

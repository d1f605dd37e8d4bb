"""Sweeps: choosing the sessions left open, stopping them within the invocation's time, and
continuing in a chain."""

"""Pydantic models: what Device Farm answers, what callers send, what the function publishes."""

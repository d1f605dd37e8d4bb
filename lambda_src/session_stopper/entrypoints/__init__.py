"""Adapters from each trigger's event shape to the domain, and back to each caller's answer."""

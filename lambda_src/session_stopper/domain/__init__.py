"""What the product decides: when a session is stopped, and what outcome that makes."""

"""Expiry timers: their schedules, arming from CloudTrail records, warnings, expiry and
extensions."""

"""Stops AWS Device Farm remote access sessions and publishes every outcome to SNS."""

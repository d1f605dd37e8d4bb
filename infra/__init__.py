"""The CDK stack that deploys the Device Farm session stopper (see docs/deploy.md)."""

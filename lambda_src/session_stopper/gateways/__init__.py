"""The only modules that talk to AWS: Device Farm, and SNS/SQS for outcomes."""

"""Tests of the CDK app. jsii prints a banner on Node 20 unless told not to: the bundled runtime
reads JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION. Set before any test imports aws_cdk."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

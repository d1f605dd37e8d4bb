"""dfss: the Device Farm Session Stopper's API from a shell, signed with your AWS credentials.

`dfss stop ARN`, `dfss extend ARN --minutes N`, `dfss sweep`, `dfss sessions`; docs/cli.md.
"""

__version__ = "0.1.0"

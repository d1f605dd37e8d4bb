"""dfss: the Device Farm Session Stopper's API from a shell, signed with your AWS credentials.

`dfss stop SESSION`, `dfss extend SESSION --minutes N`, `dfss sweep`, `dfss sessions`,
`dfss status SESSION`, `dfss tail`, `dfss completion bash|zsh`; docs/cli.md.
"""

__version__ = "0.1.0"

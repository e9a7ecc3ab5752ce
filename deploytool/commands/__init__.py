"""One module per CLI command: `add(subparsers)` declares it, `run(args) -> int` does it."""

"""Read-only facts about a host: each probe is a command builder plus a pure parser."""

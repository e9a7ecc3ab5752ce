"""Build once, deploy the same bytes everywhere (`application.strategy: artifact`).

`build.build()` makes the release tree on the deploying machine and packs it (`envelope.pack`)
with its manifest (`manifest.py`); the ship's upload, verify and extract steps put it on the
hosts; `envelope.open_artifact` / `verify_local` read one back for `ship --artifact FILE`.
"""

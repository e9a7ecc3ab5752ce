"""deploytool: ship Laravel-style apps over SSH and verify that no old queue worker is left."""

from importlib import metadata

try:
    # One source of truth: the version pip and pipx installed (pyproject.toml's [project] version).
    __version__ = metadata.version("deploytool")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

"""deploytool: ship Laravel-style apps over SSH and verify that no old queue worker is left."""


def __getattr__(name: str) -> str:
    """`__version__`, read when first asked for (--version, the audit): importlib.metadata is
    ~50 ms of a start-up that otherwise never needs it."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib import metadata

    try:
        # One source of truth: the version pip and pipx installed (pyproject.toml's version).
        version = metadata.version("deploytool")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version

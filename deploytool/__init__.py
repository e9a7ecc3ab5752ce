"""deploytool: ship Laravel-style apps over SSH and verify that no old queue worker is left."""

__version__ = "0.1.0"

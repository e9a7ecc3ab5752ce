"""How bytes reach a host. Steps call Transport.run(host, command); nothing else talks SSH."""
from .base import Result, Transport

__all__ = ["Result", "Transport"]

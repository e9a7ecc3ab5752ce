"""The deploytool lab: a real fleet of sshd hosts on this machine (see lab.py and README.md)."""

from .lab import Lab, LabError, LabHost, default_root
from .ledger import Account, LedgerRow

__all__ = ["Lab", "LabError", "LabHost", "default_root", "Account", "LedgerRow"]

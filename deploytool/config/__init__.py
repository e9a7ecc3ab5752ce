"""The inventory: YAML in, frozen dataclasses out, every error located at file:line:col."""

from .loader import load_inventory
from .model import Application, Host, Inventory, Playbook, Stage
from .playbook import load_playbook

__all__ = [
    "load_inventory",
    "load_playbook",
    "Application",
    "Host",
    "Inventory",
    "Playbook",
    "Stage",
]

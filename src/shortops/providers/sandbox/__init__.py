"""The sandbox platform (see provider.py); its pages live in views.py."""

from shortops.providers.sandbox.provider import SandboxOptions, SandboxProvider
from shortops.providers.sandbox.store import SandboxStore

__all__ = ["SandboxOptions", "SandboxProvider", "SandboxStore"]

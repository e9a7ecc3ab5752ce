"""The one import of asyncssh, without its slowest part.

asyncssh looks for liboqs (post-quantum key exchange) with ctypes.util.find_library, which runs
`ldconfig -p`, then gcc, then ld, for two names: 10 ms on a quiet machine and 0.8 s measured on
this 2-core one under load, in every ship's start-up. The ldconfig cache alone answers for a
liboqs installed the usual way, so that is all the probe gets while asyncssh is imported; a
liboqs found only by gcc's search path goes unused (the key exchange then uses ML-KEM from
cryptography, or curve25519).
"""

from __future__ import annotations

import ctypes.util
import sys


def _load():
    real = ctypes.util.find_library
    cache_only = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if cache_only is not None and sys.platform.startswith("linux"):
        ctypes.util.find_library = cache_only
    try:
        import asyncssh
    finally:
        ctypes.util.find_library = real
    return asyncssh


asyncssh = _load()

"""The ENSPACE emulator: the whole API in memory over real HTTP, for tests, demos and benchmarks.

::

    from enspace_async.testing import EnspaceEmulator, RateLimit

    async with EnspaceEmulator(seed=0, rate_limit=RateLimit(per_second=50, burst=10)) as emu:
        emu.seed_type("contracts", items=500)            # realistic rows for every field type
        emu.faults.add("503", rate=0.1, routes="items.*")  # 10 % of item calls fail, seeded
        emu.faults.script("items.create", ["reset_after", "ok", "503"])  # the next three creates
        async with emu.client() as client:               # an EnspaceClient on workspace "acme"
            ...
        assert emu.applied["items.create"] == ...         # writes applied, per route
        print(emu.faults.counts)                          # Counter({'503': 4, 'reset_after': 1})

Fault kinds are listed in :class:`Fault`; scripts win over random rules; ``reset_after``,
``truncated`` and ``malformed`` are applied, the others are not. Run it standalone with
``python -m enspace_async.testing --port 8765 --demo-data``; pytest users get the fixtures
``enspace_emulator`` and ``enspace_client`` from the plugin this package installs.
"""

from ._emulator import EnspaceEmulator
from ._faults import KINDS as FAULT_KINDS
from ._faults import Fault, Faults
from ._ratelimit import RateLimit
from ._state import EmulatedApiKey, RequestRecord

__all__ = [
    "FAULT_KINDS",
    "EmulatedApiKey",
    "EnspaceEmulator",
    "Fault",
    "Faults",
    "RateLimit",
    "RequestRecord",
]

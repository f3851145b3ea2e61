"""Against the emulator with seeded faults: every call succeeds and no write is applied twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextvars import ContextVar

from helpers import VirtualTime

from enspace_async import Attempt, Hooks, RetryPolicy
from enspace_async.testing import EnspaceEmulator, RateLimit

CALL: ContextVar[int] = ContextVar("call", default=-1)
GETS, PUTS, DELETES = 2000, 1500, 1500


async def no_wait(_: float) -> None:
    """Backoff and Retry-After cost no wall time in this test."""
    await asyncio.sleep(0)


async def test_5000_mixed_calls_under_faults_all_succeed_exactly_once() -> None:
    async with EnspaceEmulator(seed=7, log_limit=1000) as emu:
        emu.seed_type("tickets", fields={"title": "inputText"}, items=PUTS + DELETES + 10)
        refs = [row["reference"] for row in emu.items("tickets")]
        emu.faults.add("503", rate=0.10, routes="items.*")
        emu.faults.add("429", rate=0.05, routes="items.*")
        emu.faults.add("reset_before", rate=0.02, routes="items.*")
        # A cut body after applying a PUT or DELETE would make the retry apply it again (or
        # answer 404): that belongs to the bulk engine's outcome checks, so reads get it here.
        emu.faults.add("truncated", rate=0.01, routes="items.get")

        attempts: dict[int, int] = {}

        def count(attempt: Attempt) -> None:
            attempts[CALL.get()] = attempt.number

        policy = RetryPolicy(max_attempts=8)
        hooks = Hooks(on_request=[count])
        async with emu.client(retry=policy, sleep=no_wait, hooks=hooks) as client:
            gate = asyncio.Semaphore(64)

            async def call(i: int) -> object:
                CALL.set(i)
                async with gate:
                    if i < GETS:
                        return await client.items.get("tickets", refs[i % len(refs)])
                    if i < GETS + PUTS:
                        ref = refs[i - GETS]
                        return await client.items.update("tickets", ref, {"title": f"v{i}"})
                    await client.items.delete("tickets", refs[i - GETS])
                    return None

            results = await asyncio.gather(*(call(i) for i in range(GETS + PUTS + DELETES)))
            stats = client.stats

        histogram = Counter(attempts.values())
        print(f"\nattempts per call: {dict(sorted(histogram.items()))}")
        print(f"faults injected: {dict(emu.faults.counts)}; retries: {dict(stats.retries)}")

        assert len(results) == 5000
        assert sum(histogram.values()) == 5000
        assert histogram[1] < 5000  # faults really happened
        for kind in ("503", "429", "reset_before", "truncated"):
            assert emu.faults.counts[kind] > 0
        updated, deleted = refs[:PUTS], refs[PUTS : PUTS + DELETES]
        assert all(emu.applied_keys[("items.update", ref)] == 1 for ref in updated)
        assert all(emu.applied_keys[("items.delete", ref)] == 1 for ref in deleted)
        assert emu.applied["items.update"] == PUTS
        assert emu.applied["items.delete"] == DELETES
        for i, ref in enumerate(updated):
            row = emu.item(ref)
            assert row is not None
            assert row["data"]["title"] == f"v{GETS + i}"
        assert all(emu.item(ref) is None for ref in deleted)
        assert stats.requests == 5000
        assert stats.attempts == sum(n * k for n, k in histogram.items())


async def test_the_limiter_keeps_callers_under_the_emulator_rate_limit() -> None:
    clock = VirtualTime()
    limit = RateLimit(per_second=20, burst=5, clock=clock.clock)
    async with EnspaceEmulator(seed=3, rate_limit=limit, log_limit=1000) as emu:
        emu.seed_type("tickets", fields={"title": "inputText"}, items=5)
        ref = emu.items("tickets")[0]["reference"]
        async with emu.client(sleep=clock.sleep, clock=clock.clock) as client:
            started = clock.now

            async def caller() -> None:
                for _ in range(4):
                    await client.items.get("tickets", ref)

            await asyncio.gather(*(caller() for _ in range(50)))
            elapsed = clock.now - started
            stats = client.stats
    print(f"\n200 calls in {elapsed:.1f} virtual s at R=20/s; {stats.throttled} answers 429")
    assert stats.requests == 200
    # The opening burst of 50 callers, with nothing known yet, is the only real overshoot.
    assert stats.throttled <= 50 + 10
    assert (200 - 5) / 20 * 0.9 <= elapsed <= 200 / 20 * 1.6

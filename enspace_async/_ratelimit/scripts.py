"""The Lua scripts behind :class:`~enspace_async.redis.RedisLimiter` (plain text, no redis import).

:data:`RESERVE` and :data:`FEEDBACK` implement :func:`~enspace_async._ratelimit.algorithm.reserve`
and :func:`~enspace_async._ratelimit.algorithm.feedback` statement for statement, on the same
state, with the same constants (substituted from that module): ``tests/test_limiter_differential.py``
runs both on the same seeded sequences and asserts the same waits, epochs and rates. What a pause
is, and how long, is decided once in Python (:attr:`~enspace_async.RateSignal.pause`) and travels
as a number. Each script runs atomically in Redis.

The state of one API key is a hash with the fields of
:class:`~enspace_async._ratelimit.algorithm.State`; the retry budget is a string holding its
tokens. Both expire after ``ttl`` idle milliseconds, so a key nobody uses leaves nothing behind.
Numbers are stored with ``%.17g`` (Lua's ``tostring`` keeps 14 digits, which would round Unix
times to 0.1 ms; 17 round-trip a double exactly), infinities as ``inf`` and ``-inf``.

``ARGV[1..10]`` of both scripts: ceiling (``inf``: none), floor (the lowest rate a cut leaves),
burst, adaptive (``1``/``0``), backoff, increase, low_water, cooldown, ttl in milliseconds, and
``now``: empty for Redis' own ``TIME`` (production: one clock for every worker on every machine),
or the caller's clock in seconds (tests drive it). The only line with no counterpart in Python
clamps a stored rate to this caller's ceiling, for workers configured with different ceilings.
"""

from __future__ import annotations

from string import Template

from .algorithm import COLD_WINDOW, EPOCH_GROWTH, MAX_BOOST

__all__ = ["BUDGET_DEPOSIT", "BUDGET_WITHDRAW", "FEEDBACK", "FIELDS", "RESERVE"]

FIELDS = (
    "rate",
    "next",
    "blocked",
    "epoch",
    "epoch_rate",
    "cut_at",
    "cold",
    "ok_at_cut",
    "win_start",
    "win_ok",
    "prev_rate",
    "growing_since",
)
"""The hash fields, in the order of :class:`~enspace_async._ratelimit.algorithm.State`."""

_STATE = Template("""
local INF = math.huge
local COLD_WINDOW, MAX_BOOST, EPOCH_GROWTH = $cold_window, $max_boost, $epoch_growth
local function dec(v, default)
  if v == false or v == nil or v == '' then return default end
  if v == 'inf' then return INF end
  if v == '-inf' then return -INF end
  return tonumber(v)
end
local function enc(x)
  if x == INF then return 'inf' end
  if x == -INF then return '-inf' end
  return string.format('%.17g', x)
end
local ceiling, floor, burst = dec(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local adaptive = ARGV[4] == '1'
local backoff, increase = tonumber(ARGV[5]), tonumber(ARGV[6])
local low_water, cooldown = tonumber(ARGV[7]), tonumber(ARGV[8])
local now = dec(ARGV[10], nil)
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local f = redis.call('HMGET', KEYS[1], $fields)
local rate = math.min(dec(f[1], ceiling), ceiling)
local nxt, blocked = dec(f[2], -INF), dec(f[3], -INF)
local epoch, epoch_rate = dec(f[4], 0), dec(f[5], ceiling)
local cut_at, cold, ok_at_cut = dec(f[6], -INF), f[7] == '1', dec(f[8], 0)
local win_start, win_ok, prev_rate = dec(f[9], -INF), dec(f[10], 0), dec(f[11], 0)
local growing_since = dec(f[12], INF)
local function save()
  local c = '0'
  if cold then c = '1' end
  redis.call('HSET', KEYS[1], 'rate', enc(rate), 'next', enc(nxt), 'blocked', enc(blocked),
             'epoch', enc(epoch), 'epoch_rate', enc(epoch_rate), 'cut_at', enc(cut_at),
             'cold', c, 'ok_at_cut', enc(ok_at_cut), 'win_start', enc(win_start),
             'win_ok', enc(win_ok), 'prev_rate', enc(prev_rate),
             'growing_since', enc(growing_since))
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
end
local function new_epoch()
  epoch = epoch + 1
  epoch_rate = rate
  nxt = math.max(now, blocked)
end
""").substitute(
    cold_window=repr(COLD_WINDOW),
    max_boost=repr(MAX_BOOST),
    epoch_growth=repr(EPOCH_GROWTH),
    fields=", ".join(f"'{name}'" for name in FIELDS),
)

RESERVE = (
    _STATE
    + """
local max_wait = dec(ARGV[11], INF)
local wait
if rate == INF then
  wait = math.max(blocked - now, 0)
else
  local interval = 1.0 / rate
  local slot = math.max(nxt, now - (burst - 1) * interval, blocked)
  wait = math.max(slot - now, 0)
  if wait <= max_wait then nxt = slot + interval end
end
save()
return {enc(wait), epoch}
"""
)
""":func:`~enspace_async._ratelimit.algorithm.reserve`; ``ARGV[11]``: max_wait (empty: none).
Returns ``{seconds to wait, epoch}``; a wait above max_wait took no slot."""

FEEDBACK = (
    _STATE
    + """
local function opt(v)
  if v == '' then return nil end
  return tonumber(v)
end
local throttled, pause = ARGV[11] == '1', tonumber(ARGV[12])
local limit, remaining = opt(ARGV[13]), opt(ARGV[14])
local before = rate
if throttled then
  local untl = now + pause
  if pause > 0 and untl > blocked then
    blocked = untl
    nxt = math.max(nxt, untl)
    epoch = epoch + 1
  end
  local is_cold = cold and prev_rate == 0
  local wait_cut = cooldown
  if is_cold then wait_cut = 2 * COLD_WINDOW end
  if adaptive and now >= cut_at + wait_cut then
    local accepted
    if is_cold then
      accepted = (win_ok - ok_at_cut) / math.max(now - cut_at, COLD_WINDOW)
    else
      local elapsed = math.min(math.max(now - win_start, 0), 1)
      if prev_rate == 0 then
        accepted = win_ok / math.max(elapsed, COLD_WINDOW)
      else
        accepted = prev_rate * (1 - elapsed) + win_ok
      end
    end
    if is_cold and accepted >= backoff * rate then
      rate, cold, cut_at, growing_since = ceiling, false, now, INF
      new_epoch()
    else
      local base = rate
      if accepted > 0 then base = math.min(rate, accepted) end
      cut_at, cold, ok_at_cut = now, prev_rate == 0 and not cold, win_ok
      if base ~= INF then
        rate = math.max(floor, base * backoff)
        growing_since = INF
        new_epoch()
      end
    end
  end
else
  local elapsed = now - win_start
  if elapsed >= 1 then
    if elapsed < INF then prev_rate = win_ok / elapsed else prev_rate = 0 end
    win_start, win_ok = now, 0
  end
  win_ok = win_ok + 1
  if adaptive and rate < ceiling then
    if remaining ~= nil and remaining <= low_water * (limit or 0) then
      growing_since = INF
    else
      if growing_since == INF then growing_since = now end
      local boost = 2 ^ math.max(0, math.min(math.floor(now - growing_since), MAX_BOOST))
      rate = math.min(ceiling, rate + increase * boost)
      if rate >= epoch_rate * EPOCH_GROWTH then new_epoch() end
    end
  end
end
save()
return {enc(before), enc(rate), epoch}
"""
)
""":func:`~enspace_async._ratelimit.algorithm.feedback`; ``ARGV[11..14]``: throttled, the pause
of every caller in seconds (:attr:`~enspace_async.RateSignal.pause`: capped, Unix-time resets
already converted), limit, remaining (empty when absent). Returns ``{rate before, rate after,
epoch}``."""

BUDGET_WITHDRAW = """
local capacity, amount = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = math.min(tonumber(redis.call('GET', KEYS[1])) or capacity, capacity)
if amount > tokens then return 0 end
redis.call('SET', KEYS[1], tokens - amount, 'PX', ARGV[3])
return 1
"""
"""Take ``ARGV[2]`` tokens from a budget of ``ARGV[1]``; returns 1, or 0 (taking nothing)."""

BUDGET_DEPOSIT = """
local capacity, amount = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = tonumber(redis.call('GET', KEYS[1])) or capacity
if tokens < capacity then
  redis.call('SET', KEYS[1], math.min(capacity, tokens + amount), 'PX', ARGV[3])
end
return 1
"""
"""Give ``ARGV[2]`` tokens back, up to the capacity ``ARGV[1]``."""

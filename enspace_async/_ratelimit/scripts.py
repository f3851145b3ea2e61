"""The Lua scripts behind :class:`~enspace_async.redis.RedisLimiter` (plain text, no redis import).

Each script runs atomically in Redis, reads the clock with ``TIME`` (so the workers' own clocks
never matter), and ports one method of :class:`~enspace_async.LocalLimiterBackend` line for line:
the same GCRA bucket, the same AIMD rule, the same pauses and epochs. What a pause is, and how
long, is not repeated here: the signal's :attr:`~enspace_async.RateSignal.pause`, read once in
Python from the headers, travels as a number. The rate state of one API
key is a hash (``rate``, ``next``, ``blocked``, ``epoch``, ``cut_at``, ``win_start``, ``win_ok``,
``prev_rate``); the retry budget is a string holding its tokens. Both expire after ``ttl`` idle
milliseconds, so a key nobody uses leaves nothing behind.

Numbers are stored with ``%.17g`` (Lua's ``tostring`` keeps 14 digits, which would round Unix
times to 0.1 ms) and an unlimited rate as ``-1``. The settings travel with every call as
``ARGV[1..9]``: ceiling (``-1``: none), min_rate, burst, adaptive (``1``/``0``), backoff,
increase, low_water, cooldown, ttl in milliseconds.
"""

from __future__ import annotations

__all__ = ["BUDGET_DEPOSIT", "BUDGET_WITHDRAW", "FEEDBACK", "RESERVE"]

_STATE = """
local INF = math.huge
local function dec(v, default)
  local n = tonumber(v)
  if n == nil then return default end
  if n < 0 then return INF end
  return n
end
local function enc(x)
  if x == INF then return '-1' end
  return string.format('%.17g', x)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ceiling = dec(ARGV[1], INF)
local min_rate = math.min(tonumber(ARGV[2]), ceiling)
local burst = tonumber(ARGV[3])
local adaptive = ARGV[4] == '1'
local backoff = tonumber(ARGV[5])
local increase = tonumber(ARGV[6])
local low_water = tonumber(ARGV[7])
local cooldown = tonumber(ARGV[8])
local f = redis.call('HMGET', KEYS[1], 'rate', 'next', 'blocked', 'epoch', 'cut_at',
                     'win_start', 'win_ok', 'prev_rate')
local rate = math.min(dec(f[1], ceiling), ceiling)
local nxt = tonumber(f[2]) or 0
local blocked = tonumber(f[3]) or 0
local epoch = tonumber(f[4]) or 0
local cut_at = tonumber(f[5]) or 0
local win_start = tonumber(f[6]) or 0
local win_ok = tonumber(f[7]) or 0
local prev_rate = tonumber(f[8]) or 0
local function save()
  redis.call('HSET', KEYS[1], 'rate', enc(rate), 'next', enc(nxt), 'blocked', enc(blocked),
             'epoch', epoch, 'cut_at', enc(cut_at), 'win_start', enc(win_start),
             'win_ok', win_ok, 'prev_rate', enc(prev_rate))
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
end
"""

RESERVE = (
    _STATE
    + """
local max_wait = tonumber(ARGV[10]) or INF
local wait
if rate == INF then
  wait = math.max(blocked - now, 0)
else
  local interval = 1 / rate
  local slot = math.max(nxt, now - (burst - 1) * interval, blocked)
  wait = math.max(slot - now, 0)
  if wait <= max_wait then nxt = slot + interval end
end
save()
return {enc(wait), epoch}
"""
)
"""Take the next send slot unless it is more than ``ARGV[10]`` seconds away (the caller's
deadline would pass first: no slot is taken): returns ``{seconds to wait, epoch}``."""

FEEDBACK = (
    _STATE
    + """
local function opt(v)
  if v == '' then return nil end
  return tonumber(v)
end
local throttled = ARGV[10] == '1'
local pause, limit, remaining = tonumber(ARGV[11]), opt(ARGV[12]), opt(ARGV[13])
if throttled then
  local untl = now + pause
  if pause > 0 and untl > blocked then
    blocked = untl
    nxt = math.max(nxt, untl)
    epoch = epoch + 1
  end
  if adaptive and now >= cut_at + cooldown then
    local elapsed = math.min(math.max(now - win_start, 0), 1)
    local accepted = prev_rate * (1 - elapsed) + win_ok
    if prev_rate == 0 then accepted = win_ok / math.max(elapsed, 0.05) end
    local base = rate
    if accepted > 0 then base = math.min(rate, accepted) end
    if base == INF then base = min_rate / backoff end
    rate = math.max(min_rate, base * backoff)
    cut_at = now
    nxt = math.max(now, blocked)
    epoch = epoch + 1
  end
else
  local elapsed = now - win_start
  if elapsed >= 1 then
    prev_rate = win_ok / elapsed
    win_start = now
    win_ok = 0
  end
  win_ok = win_ok + 1
  local headroom = remaining == nil or remaining > low_water * (limit or 0)
  if adaptive and rate < ceiling and headroom then
    rate = math.min(ceiling, rate + increase)
  end
end
save()
return epoch
"""
)
"""Report one answer; ``ARGV[10..13]``: throttled, the pause of every caller in seconds
(:attr:`~enspace_async.RateSignal.pause`, decided in Python: capped, Unix-time resets already
converted), limit, remaining (``''`` for an absent value). Returns the epoch."""

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

"""Promise: ``max_response_size`` caps the decoded body, so a compression bomb cannot fill memory.

The bombs are real gzip and zlib ("deflate") streams of 1 GiB of zeros, about 1 MiB on the
wire, served by an aiohttp.web app on 127.0.0.1. Peak memory is measured in a child process
(a high-water mark: this process's own history would hide the growth).
"""

from __future__ import annotations

import asyncio
import functools
import json
import struct
import sys
import zlib
from pathlib import Path

import pytest
from aiohttp import web
from resilience_servers import HandlerFunc, serving

from enspace_async import DecodeError, EnspaceClient, ProtocolError
from enspace_async.transports import AiohttpTransport

MiB = 1 << 20
CAP = 8 * MiB
WBITS = {"gzip": 31, "deflate": 15}


@functools.cache
def bomb(encoding: str, mebibytes: int) -> bytes:
    """A valid ``encoding`` stream of ``mebibytes`` MiB of zeros, built without compressing it all.

    After a full flush the compressor starts afresh, so every further MiB of zeros compresses
    to the same bytes: compress two, repeat the second, and write the true trailer.
    """
    chunk = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, WBITS[encoding])
    head = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    if encoding == "gzip":
        crc = functools.reduce(lambda c, _: zlib.crc32(chunk, c), range(mebibytes), 0)
        trailer = struct.pack("<II", crc, (mebibytes * MiB) & 0xFFFFFFFF)
    else:
        adler = functools.reduce(lambda a, _: zlib.adler32(chunk, a), range(mebibytes), 1)
        trailer = struct.pack(">I", adler)
    return head + block * (mebibytes - 1) + end[: -len(trailer)] + trailer


def test_the_bombs_are_what_they_claim() -> None:
    for encoding in WBITS:
        body = bomb(encoding, 16)
        assert len(zlib.decompress(body, WBITS[encoding])) == 16 * MiB
        assert len(body) < 20_000


def bomb_server(mebibytes: int) -> HandlerFunc:
    async def answer(request: web.Request) -> web.StreamResponse:
        encoding = request.query.get("encoding", "gzip")
        headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
        if request.path == "/small":
            return web.Response(
                body=zlib.compress(b"[1, 2]", wbits=WBITS[encoding]), headers=headers
            )
        body = bomb(encoding, mebibytes)
        if "chunked" not in request.query:
            return web.Response(body=body, headers=headers)  # Content-Length: the wire size
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 64 * 1024):
            await response.write(body[start : start + 64 * 1024])
        return response

    return answer


CHILD = """
import asyncio, json, sys
from enspace_async import EnspaceClient, ProtocolError
from enspace_async.transports import AiohttpTransport

def peak():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec,
    # while VmHWM belongs to this process's own memory map.
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

async def main(url, cap, query):
    transport = AiohttpTransport(max_response_size=cap)
    async with EnspaceClient("en.k", base_url=url, transport=transport, retry=None) as client:
        await client.request("GET", "/small", params=query, workspace_scoped=False)
        before = peak()
        try:
            await client.request("GET", "/bomb", params=query, workspace_scoped=False)
            outcome = "read whole"
        except ProtocolError as exc:
            outcome = str(exc)
    print(json.dumps({"growth": peak() - before, "outcome": outcome}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
@pytest.mark.parametrize(
    "query",
    [{"encoding": "gzip"}, {"encoding": "deflate"}, {"encoding": "gzip", "chunked": "1"}],
    ids=["gzip", "deflate", "gzip-chunked"],
)
async def test_a_one_gibibyte_bomb_grows_memory_by_less_than_twice_the_cap(
    query: dict[str, str],
) -> None:
    bomb(query["encoding"], 1024)  # built before serving, not while the child waits
    async with serving(bomb_server(1024)) as url:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, url, str(CAP), json.dumps(query),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with asyncio.timeout(120):
                out, err = await child.communicate()
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    assert child.returncode == 0, err.decode()
    result = json.loads(out)
    assert "larger than max_response_size" in result["outcome"]
    print(f"peak RSS growth {result['growth'] / MiB:.1f} MiB")  # shown with -s
    assert result["growth"] < 2 * CAP, f"peak RSS grew {result['growth'] / MiB:.0f} MiB"


@pytest.mark.parametrize("encoding", sorted(WBITS))
async def test_the_cap_counts_decoded_bytes_and_a_body_under_it_reads_whole(encoding: str) -> None:
    async with serving(bomb_server(4)) as url:
        tight = AiohttpTransport(max_response_size=2 * MiB)
        async with EnspaceClient("en.k", base_url=url, transport=tight, workspace="w") as client:
            with pytest.raises(ProtocolError, match="larger than max_response_size"):
                await client.request("GET", "/bomb", params={"encoding": encoding})
            assert await client.request("GET", "/small", params={"encoding": encoding}) == [1, 2]
        roomy = AiohttpTransport(max_response_size=4 * MiB)
        async with EnspaceClient("en.k", base_url=url, transport=roomy, workspace="w") as client:
            with pytest.raises(DecodeError, match="not valid JSON"):  # all 4 MiB of zeros came
                await client.request("GET", "/bomb", params={"encoding": encoding})

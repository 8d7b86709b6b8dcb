"""kvbench: the nats.py side of scripts/bench.

    kvbench.py bench URL PREFIX OPS SIZE BULK WINDOW WATCH
        runs every row on buckets PREFIX and PREFIX_watch and prints
        "ROW <row> <metric> <value>" lines on stdout. The buckets are created
        here with nats.py's own create_key_value(history=1, storage=file,
        direct=True): nats.py leaves allow_direct off unless asked, so it is asked
        (then its get uses direct get like kvsh and nats.c). nats.py also sets
        allow_msg_ttl on every bucket; that does not change these rows.
    kvbench.py get URL BUCKET KEY
        one-shot: connect, bind the bucket, get KEY, print its value, exit.
    kvbench.py put URL BUCKET KEY VALUE
        one-shot: connect, bind the bucket, put VALUE at KEY, print the revision, exit.

Every wait has a timeout; every loop has a fixed bound.
"""

import asyncio
import math
import sys
import time

import nats
from nats.js.api import StorageType

WAIT = 30.0  # seconds, for any single wait


def value_bytes(size: int) -> bytes:
    return bytes(ord("a") + j % 26 for j in range(size))


def pct_us(sorted_ns, p):
    rank = max(1, min(len(sorted_ns), math.ceil(p / 100.0 * len(sorted_ns))))
    return sorted_ns[rank - 1] / 1000.0


def report_latency(row, lat, total_ns):
    lat.sort()
    print(f"ROW {row} ops_per_s {len(lat) / (total_ns / 1e9):.1f}")
    print(f"ROW {row} p50_us {pct_us(lat, 50):.1f}")
    print(f"ROW {row} p99_us {pct_us(lat, 99):.1f}", flush=True)


async def create_bucket(js, bucket):
    try:
        await js.delete_key_value(bucket)  # a leftover from an interrupted run
    except Exception:
        pass
    kv = await js.create_key_value(bucket=bucket, history=1, storage=StorageType.FILE, direct=True)
    si = await js.stream_info(f"KV_{bucket}")
    print(
        f"INFO nats.py bucket={bucket} storage={getattr(si.config.storage, 'value', si.config.storage)} "
        f"history={si.config.max_msgs_per_subject} allow_direct={str(bool(si.config.allow_direct)).lower()}",
        flush=True,
    )
    return kv


async def publish_async_all(js, bucket, keyprefix, count, value):
    """JetStream async publish to the KV subjects, at most `window` unacknowledged
    (the JetStream context's publish_async_max_pending). Returns the ack futures."""
    async def run():
        futures = []
        for i in range(count):
            futures.append(await js.publish_async(f"$KV.{bucket}.{keyprefix}{i}", value))
        await js.publish_async_completed()
        return futures

    # One deadline for the whole load (a per-publish wait_stall would wrap every
    # call in asyncio.wait_for, which costs nats.py about a third of its rate).
    return await asyncio.wait_for(run(), 120)


def check_acks(futures, want, what):
    failed = [f for f in futures if f.exception() is not None]
    if len(futures) != want or failed:
        raise SystemExit(f"kvbench(nats.py): {what}: {len(futures)} acks, {len(failed)} failures, want {want}")


async def bench(url, prefix, ops, size, bulk, window, watch_n):
    value = value_bytes(size)
    bucket, wbucket = prefix, f"{prefix}_watch"
    nc = await nats.connect(url, connect_timeout=WAIT)
    js = nc.jetstream(timeout=WAIT, publish_async_max_pending=window)
    kv = await create_bucket(js, bucket)
    clock = time.perf_counter_ns

    # Warm-up (not measured): the same operations on other keys.
    for i in range(200):
        await kv.put(f"warm.{i % 20}", value)
        await kv.get(f"warm.{i % 20}")

    # Row: sequential put.
    lat = []
    start = clock()
    for i in range(ops):
        t0 = clock()
        await kv.put(f"key.{i}", value)
        lat.append(clock() - t0)
    report_latency("put", lat, clock() - start)

    # Row: sequential get (direct get), checking every value.
    lat = []
    start = clock()
    for i in range(ops):
        t0 = clock()
        e = await kv.get(f"key.{i}")
        lat.append(clock() - t0)
        if e.value != value:
            raise SystemExit(f"kvbench(nats.py): wrong value for key.{i}")
    report_latency("get", lat, clock() - start)

    # Row: pipelined bulk load.
    start = clock()
    futures = await publish_async_all(js, bucket, "bulk.", bulk, value)
    bulk_ns = clock() - start
    check_acks(futures, bulk, "bulk")
    print(f"ROW bulk ops_per_s {bulk / (bulk_ns / 1e9):.1f}", flush=True)

    # Row: watch delivery; the publisher has its own connection (same event loop).
    wkv = await create_bucket(js, wbucket)
    watcher = await wkv.watchall()
    first_event = await watcher.updates(timeout=WAIT)
    if first_event is not None:
        raise SystemExit("kvbench(nats.py): expected the initial-values marker on an empty bucket")

    pub_nc = await nats.connect(url, connect_timeout=WAIT)
    pub_js = pub_nc.jetstream(timeout=WAIT, publish_async_max_pending=window)

    async def publisher():
        futures = await publish_async_all(pub_js, wbucket, "w.", watch_n, value)
        check_acks(futures, watch_n, "watch publisher")

    async def consume():
        received, first, last = 0, 0, 0
        it = watcher.__aiter__()
        for _ in range(watch_n + 100):
            if received >= watch_n:
                break
            e = await it.__anext__()
            if e is None:
                continue
            t = clock()
            if received == 0:
                first = t
            last = t
            received += 1
        return received, first, last

    pub_task = asyncio.create_task(publisher())
    received, first, last = await asyncio.wait_for(consume(), 120)
    await asyncio.wait_for(pub_task, 120)
    if received != watch_n:
        raise SystemExit(f"kvbench(nats.py): watch received {received} of {watch_n}")
    print(f"ROW watch updates_per_s {(watch_n - 1) / ((last - first) / 1e9):.1f}", flush=True)
    await watcher.stop()
    await pub_nc.close()

    await js.delete_key_value(wbucket)
    await js.delete_key_value(bucket)
    await nc.close()


async def one_shot_get(url, bucket, key):
    nc = await nats.connect(url, connect_timeout=WAIT)
    js = nc.jetstream(timeout=WAIT)
    kv = await js.key_value(bucket)
    e = await kv.get(key)
    sys.stdout.buffer.write((e.value or b"") + b"\n")
    await nc.close()


async def one_shot_put(url, bucket, key, value):
    nc = await nats.connect(url, connect_timeout=WAIT)
    js = nc.jetstream(timeout=WAIT)
    kv = await js.key_value(bucket)
    rev = await kv.put(key, value.encode())
    sys.stdout.write(f"{rev}\n")
    await nc.close()


def main(argv):
    if len(argv) == 9 and argv[1] == "bench":
        url, prefix = argv[2], argv[3]
        ops, size, bulk, window, watch_n = (int(a) for a in argv[4:9])
        asyncio.run(bench(url, prefix, ops, size, bulk, window, watch_n))
        return 0
    if len(argv) == 5 and argv[1] == "get":
        asyncio.run(one_shot_get(argv[2], argv[3], argv[4]))
        return 0
    if len(argv) == 6 and argv[1] == "put":
        asyncio.run(one_shot_put(argv[2], argv[3], argv[4], argv[5]))
        return 0
    print("usage: kvbench.py bench URL PREFIX OPS SIZE BULK WINDOW WATCH | kvbench.py get URL BUCKET KEY"
          " | kvbench.py put URL BUCKET KEY VALUE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Puts COUNT values, one every INTERVAL seconds, each holding the wall-clock time (ns) just
before it is sent, for scripts/bench's event-to-process-start rows (the handler prints the time
it started next to the value). Uses nats-py, which scripts/bench installs."""
import asyncio
import sys
import time

import nats


async def main(url, bucket, count, interval, prefix):
    nc = await nats.connect(url)
    kv = await nc.jetstream().key_value(bucket)
    for i in range(count):
        await kv.put(f"{prefix}.{i}", str(time.time_ns()).encode())
        await asyncio.sleep(interval)
    await nc.close()


if __name__ == "__main__":
    url, bucket, count, interval, prefix = sys.argv[1:6]
    asyncio.run(main(url, bucket, int(count), float(interval), prefix))

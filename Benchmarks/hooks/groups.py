"""Hook-group rows of scripts/bench: throughput of `on put … --group g run true` with 1, 2 and 4
`kvsh serve` members, and the failover time after SIGKILL of the member owning a key.

    groups.py KVSH SERVER_URL WORK_DIR OUT_JSON EVENTS TRIALS LEASE_SECONDS

Progress is read from the group's checkpoints in bucket kvsh_hooks (`g.pN`: the watermark of
partition N), and ownership from its lease bucket (`kvsh_group_g`, `partitions.N` = member
name, which holds the member's pid), with nats-py, which scripts/bench installs."""
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time

import nats

PARTITIONS = 12


def partition(key):
    h = 2166136261
    for b in key.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h % PARTITIONS


class Group:
    def __init__(self, kvsh, url, work, bucket, group, lease):
        self.kvsh, self.url, self.work = kvsh, url, work
        self.bucket, self.group, self.lease = bucket, group, lease
        self.script = os.path.join(work, f"{group}.kvsh")
        with open(self.script, "w") as f:
            f.write(f"on put {bucket} --group {group} --lease {lease}s run true\n")
        self.members = []

    def start(self):
        log = open(os.path.join(self.work, f"{self.group}-{len(self.members)}.err"), "w")
        p = subprocess.Popen([self.kvsh, "-s", self.url, "serve", self.script],
                             stdout=subprocess.DEVNULL, stderr=log)
        self.members.append(p)
        return p

    def stop_all(self):
        for p in self.members:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.members:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


async def value(kv, key):
    try:
        entry = await kv.get(key)
        return entry.value.decode() if entry.value else None
    except Exception:
        return None


async def owners(js, group):
    try:
        kv = await js.key_value(f"kvsh_group_{group}")
    except Exception:
        return {}
    found = {}
    for p in range(PARTITIONS):
        v = await value(kv, f"partitions.{p}")
        if v:
            found[p] = v
    return found


async def wait_balanced(js, group, pids, deadline_s=60):
    """Every partition owned, by exactly the live members `pids`, shares differing by at most 1."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        o = await owners(js, group)
        if len(o) == PARTITIONS:
            counts = {pid: sum(1 for v in o.values() if f"_{pid}_" in v) for pid in pids}
            if sum(counts.values()) == PARTITIONS and max(counts.values()) - min(counts.values()) <= 1:
                return o
        await asyncio.sleep(0.1)
    raise SystemExit(f"group {group} did not balance over {pids} within {deadline_s}s")


async def watermarks(hooks_kv, group):
    marks = {}
    for p in range(PARTITIONS):
        v = await value(hooks_kv, f"{group}.p{p}")
        marks[p] = int(v.split()[0]) if v else 0
    return marks


async def throughput(nc, js, kvsh, url, work, members, events, lease):
    bucket, group = f"b_grp_tp{members}", f"tp{members}"
    kv = await js.create_key_value(bucket=bucket, history=1)
    g = Group(kvsh, url, work, bucket, group, lease)
    try:
        for _ in range(members):
            g.start()
        await wait_balanced(js, group, [p.pid for p in g.members])
        hooks_kv = await js.key_value("kvsh_hooks")
        last = {}
        t0 = time.monotonic()
        acks = []
        for i in range(events):
            key = f"k{i % 300}"
            acks.append(js.publish(f"$KV.{bucket}.{key}", b"x"))
            if len(acks) >= 500:
                await asyncio.gather(*acks)
                acks = []
        await asyncio.gather(*acks)
        # Revisions are 1…events in a fresh bucket: the last of each partition is known.
        for i in range(events):
            last[partition(f"k{i % 300}")] = i + 1
        end = time.monotonic() + 120
        while time.monotonic() < end:
            marks = await watermarks(hooks_kv, group)
            if all(marks[p] >= rev for p, rev in last.items()):
                break
            await asyncio.sleep(0.02)
        else:
            raise SystemExit(f"{members} member(s): not every event handled in 120 s")
        return events / (time.monotonic() - t0)
    finally:
        g.stop_all()
        await js.delete_key_value(bucket)


async def failover(nc, js, kvsh, url, work, trials, lease):
    bucket, group = "b_grp_fo", "fo"
    kv = await js.create_key_value(bucket=bucket, history=1)
    g = Group(kvsh, url, work, bucket, group, lease)
    hooks_kv = None
    times = []
    try:
        g.start()
        g.start()
        key = "probe"
        p = partition(key)
        for trial in range(trials):
            live = [m for m in g.members if m.poll() is None]
            o = await wait_balanced(js, group, [m.pid for m in live])
            hooks_kv = hooks_kv or await js.key_value("kvsh_hooks")
            victim = next(m for m in live if f"_{m.pid}_" in o[p])
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            killed = time.monotonic()
            end = killed + 4 * lease + 10
            handled = None
            while time.monotonic() < end:
                revision = await kv.put(key, b"x")
                await asyncio.sleep(0.05)
                if (await watermarks(hooks_kv, group))[p] >= revision:
                    handled = time.monotonic()
                    break
            if handled is None:
                raise SystemExit(f"failover trial {trial + 1}: the key was never handled again")
            times.append(handled - killed)
            g.start()
        return times
    finally:
        g.stop_all()
        await js.delete_key_value(bucket)


async def main(kvsh, url, work, out, events, trials, lease):
    nc = await nats.connect(url)
    js = nc.jetstream()
    rows = {"events": events, "lease_s": lease}
    for members in (1, 2, 4):
        rows[f"tp{members}"] = await throughput(nc, js, kvsh, url, work, members, events, lease)
    times = await failover(nc, js, kvsh, url, work, trials, lease)
    rows["failover_p50_s"] = statistics.median(times)
    rows["failover_max_s"] = max(times)
    rows["failover_trials"] = times
    await nc.close()
    with open(out, "w") as f:
        json.dump(rows, f)


if __name__ == "__main__":
    kvsh, url, work, out, events, trials, lease = sys.argv[1:8]
    os.makedirs(work, exist_ok=True)
    asyncio.run(main(kvsh, url, work, out, int(events), int(trials), int(lease)))

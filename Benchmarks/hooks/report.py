"""Turns scripts/bench's hook measurements into rows: throughput (events/s) and latency
(p50/p99 µs) for kvsh hooks and for a `while read` loop over `kvsh kv watch`."""
import json
import os
import statistics
import sys

raw, events, latency_events, results = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def seconds(name):
    values = [float(open(os.path.join(raw, f)).read()) for f in sorted(os.listdir(raw))
              if f.startswith(name + "-r") and f.endswith(".s")]
    return statistics.median(values) if values else None


def latencies(name):
    """µs from the put (value) to the handler's start (first field), every round pooled."""
    out = []
    for f in sorted(os.listdir(raw)):
        if f.startswith(name + "-r") and f.endswith(".lat"):
            for line in open(os.path.join(raw, f)):
                parts = line.split()
                if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                    out.append((int(parts[0]) - int(parts[1])) / 1000)
    return sorted(out)


def pct(values, p):
    if not values:
        return None
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt(v):
    return "-" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.1f}")


rows = []
tp = {n: seconds(n) for n in ("hooks-tp", "read-tp")}
rows.append((f"hook dispatch, {events:,} events, run true: events/s",
             *(events / tp[n] if tp[n] else None for n in ("hooks-tp", "read-tp")), "higher"))
lat = {n: latencies(n) for n in ("hooks-lat", "read-lat")}
for p in (50, 99):
    rows.append((f"event to process start, {latency_events} spaced puts: p{p} µs",
                 *(pct(lat[n], p) for n in ("hooks-lat", "read-lat")), "lower"))

header = ("row", "kvsh on … run", "while read over kvsh kv watch", "better")
table = [(r[0], fmt(r[1]), fmt(r[2]), r[3]) for r in rows]
widths = [max(len(str(r[i])) for r in table + [header]) for i in range(4)]
for r in [header] + table:
    print("  ".join(str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(r)))
samples = ", ".join(f"{n}: {len(v)} samples" for n, v in lat.items())
print(f"latency measured at the start of `date` in the handler ({samples})")

with open(results, "a") as f:
    f.write("\n## Watch hooks\n\n"
            "Both columns start one process per event: for throughput the program `true` (kvsh "
            "starts plain-word commands directly; the loop's shell forks and execs `/bin/true`), "
            "for latency `/bin/sh -c 'echo \"$(date +%s%N) VALUE\" >> FILE'`, the time taken when "
            "`date` starts. "
            "Throughput: a backlog of events (`on … --initial` beside `kv watch`'s initial values), "
            "from kvsh start to the last run. Latency: puts spaced 10 ms apart by nats-py, each "
            "holding its send time.\n\n")
    f.write("| " + " | ".join(header) + " |\n|---|---:|---:|---|\n")
    for r in table:
        f.write("| " + " | ".join(r) + " |\n")
    f.write(f"\n{samples}\n")

groups_path = os.path.join(raw, "groups.json")
if os.path.exists(groups_path):
    with open(groups_path) as f:
        g = json.load(f)
    lines = [(f"group throughput, {n} member{'s' if n > 1 else ''}, {g['events']:,} events, run true: events/s",
              f"{g[f'tp{n}']:,.0f}") for n in (1, 2, 4)]
    lines.append((f"failover after SIGKILL of the owner, lease {g['lease_s']}s: p50 s", f"{g['failover_p50_s']:.2f}"))
    lines.append((f"failover after SIGKILL of the owner, lease {g['lease_s']}s: max s "
                  f"({len(g['failover_trials'])} trials)", f"{g['failover_max_s']:.2f}"))
    for name, v in lines:
        print(f"{name}  {v}")
    with open(results, "a") as f:
        f.write("\n## Hook groups\n\n"
                "`on put B --group g run true` in `kvsh serve` members on one machine and one server; "
                "throughput from the first put to every partition's checkpoint at its last event; "
                "failover from the SIGKILL of the member owning a key to that key's next event being "
                "handled by the other member.\n\n| row | kvsh |\n|---|---:|\n")
        for name, v in lines:
            f.write(f"| {name} | {v} |\n")

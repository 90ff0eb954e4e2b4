#!/usr/bin/env python3
"""Writes BENCHMARKS.md from the logs scripts/benchmarks.sh leaves (one file per section).

Usage: benchmarks_report.py LOG_DIR OUT.md

Each figure is read from what the benchmark itself printed (the load generator's `@json` lines,
criterion's `time:` lines, the analytics benches' sentences, `/usr/bin/time -v`'s peak memory);
a section whose log is missing is reported as not measured. The targets are the issues'.
"""

import json
import os
import re
import sys

LOGS, OUT = sys.argv[1], sys.argv[2]


def read(name):
    path = os.path.join(LOGS, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def found(name, pattern):
    """The first match of `pattern` in log `name` and the log's text (None, None without it)."""
    text = read(name)
    m = re.search(pattern, text) if text else None
    return m, text


def jsons(text):
    out = []
    for line in (text or "").splitlines():
        i = line.find("@json ")
        if i >= 0:
            try:
                out.append(json.loads(line[i + 6:]))
            except ValueError:
                pass
    return out


def peak_kib(text):
    m = re.findall(r"Maximum resident set size \(kbytes\): (\d+)", text or "")
    # A process the kernel killed for memory: its resident size then (from dmesg).
    m += re.findall(r"anon-rss:(\d+)kB", text or "")
    return max(int(x) for x in m) if m else None


def mib(kib):
    return "" if kib is None else f"{kib / 1024:.0f} MB"


UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def seconds(value, unit):
    return float(value) * UNITS[unit]


def duration(text):
    """A Rust `{:.2?}` Duration such as `1.23ms`, `812.00µs` or `2.01s`, in seconds."""
    m = re.match(r"([\d.]+)\s*(ns|µs|us|ms|s)", text.strip())
    return seconds(m.group(1), m.group(2)) if m else None


def criterion(text):
    """{bench name: median seconds} from criterion's `name  time: [low mid high]` lines."""
    out, last = {}, None
    for line in (text or "").splitlines():
        m = re.match(r"^(\S.*?)\s+time:\s+\[([\d.]+) (\S+) ([\d.]+) (\S+) ([\d.]+) (\S+)\]", line)
        if m:
            out[m.group(1).strip()] = seconds(m.group(4), m.group(5))
            continue
        m = re.match(r"^\s+time:\s+\[([\d.]+) (\S+) ([\d.]+) (\S+) ([\d.]+) (\S+)\]", line)
        if m and last:
            out[last] = seconds(m.group(3), m.group(4))
            continue
        if line and not line.startswith(" ") and "time:" not in line:
            last = line.strip()
    return out


def ms(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms" if s < 0.1 else f"{s * 1e3:.0f} ms"
    return f"{s:.2f} s"


def verdict(ok):
    return "—" if ok is None else ("**met**" if ok else "**not met**")


rows = []  # (area, measure, target, figure, verdict, issue)


def row(area, measure, target, figure, ok, issue):
    rows.append((area, measure, target, figure, verdict(ok), issue))


machine = {}
for line in (read("machine.txt") or "").splitlines():
    if "=" in line:
        k, _, v = line.partition("=")
        machine[k] = v
# The sizes a section ran with (written by that section).
for name in ("analytics", "intake", "dashboards"):
    for part in (read(f"{name}.params") or "").split():
        k, _, v = part.partition("=")
        machine[k] = v

sections = []

# --- intake -------------------------------------------------------------------------------
intake_lines = []
ENGINES = ("sqlite", "postgres", "postgres-socket")
for engine in ENGINES:
    for topic in ("products", "orders"):
        log = read(f"intake-{engine}-{topic}.log")
        if log is None:
            continue
        j = {d["phase"]: d for d in jsons(log)}
        w, h, a, srv = j.get("webhooks"), j.get("healthz"), j.get("applied"), j.get("server")
        run = j.get("run", {})
        if not w:
            continue
        ratio = w["rps"] / h["rps"] if h and h["rps"] else None
        drained = f"{a['applied']:,} of {a['accepted']:,} in {a['drain_s']:.1f} s" if a else "—"
        name = "products/create" if topic == "products" else "orders/paid"
        cells = [engine, f"`{name}`", f"{w['rps']:,.0f}", f"{w['p50_ms']:.1f} ms", f"{w['p99_ms']:.1f} ms",
                 f"{w['failed']:,}", f"{h['rps']:,.0f}" if h else "—", f"{ratio:.2f}" if ratio is not None else "—",
                 drained, mib(srv.get("peak_kib")) if srv else "", f"`{run.get('commit', '')}`"]
        intake_lines.append("| " + " | ".join(cells) + " |")
        label = f"intake, {engine}, {name}"
        if engine == "sqlite":
            row("Webhook intake", f"{label}: accepted/s", "≥ 5,000", f"{w['rps']:,.0f}", w["rps"] >= 5000, "marketplace plugin API")
            row("Webhook intake", f"{label}: p99", "< 50 ms", f"{w['p99_ms']:.1f} ms", w["p99_ms"] < 50, "marketplace plugin API")
        if ratio is not None:
            row("Webhook intake", f"{label}: ratio to `/healthz`", "≥ 0.3" if engine == "sqlite" else "(reported)",
                f"{ratio:.2f}", ratio >= 0.3 if engine == "sqlite" else None, "13 (proof), item 7")
if intake_lines:
    sections.append(
        "## Webhook intake\n\n"
        "`postgres` is PostgreSQL over TCP on 127.0.0.1, `postgres-socket` the same server over its Unix socket.\n\n"
        "`suyuan-loadgen` registers a seller and a Shopify store, sends signed, unique deliveries for the\n"
        "phase's time from 64 connections (a new product each, or a paid order of a listed e-bike with a\n"
        "consumer's name, phone and address, about 4 KB), waits until the worker has applied every one\n"
        "(`/metrics`), then loads `/healthz` the same way on the same server. A fresh database per row;\n"
        "the server's peak memory is its `VmHWM`.\n\n"
        "| database | topic | accepted/s | p50 | p99 | failed | `/healthz` req/s | ratio | applied after the phase | server peak | commit |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(intake_lines) + "\n"
    )

# --- badges ------------------------------------------------------------------------------------
badges = criterion(read("badges.log"))
if badges:
    lines = [f"| `{k}` | {ms(v)} |" for k, v in sorted(badges.items())]
    svg = [v for k, v in badges.items() if k.startswith("svg/")]
    if svg:
        row("Badges", "SVG badge rendering (slowest size)", "< 1 ms", ms(max(svg)), max(svg) < 1e-3, "badges and trace page")
    sections.append(
        "## Badge rendering\n\ncriterion (`cargo bench -p suyuan-widgets --bench badges`), median of each:\n\n"
        "| badge | time |\n|---|---|\n" + "\n".join(lines) + "\n"
    )

# --- served ------------------------------------------------------------------------------------
served = read("served.log")
if served:
    lines = []
    for d in jsons(served):
        if d.get("phase") not in ("get", "get16", "healthz"):
            continue
        conns = 16 if d["phase"] == "get16" else 64
        lines.append(f"| `{d['what']}` | {conns} | {d['rps']:,.0f} | {d['p50_ms']:.2f} ms | {d['p99_ms']:.1f} ms | {d['failed']:,} |")
        what = d["what"]
        if what.startswith("/badge/"):
            row("Badges", f"served badge `{what.rsplit('.', 1)[-1]}` (cached), req/s", "≥ 10,000", f"{d['rps']:,.0f}", d["rps"] >= 10000, "badges and trace page")
        elif what.startswith("/01/"):
            row("Trace page", f"trace page p99 at {conns} connections", "< 50 ms", f"{d['p99_ms']:.1f} ms", d["p99_ms"] < 50, "badges and trace page")
    srv = [d for d in jsons(served) if d.get("phase") == "server"]
    sections.append(
        "## Served badges and the trace page\n\n`serve --demo` on SQLite, `suyuan-loadgen --get`, 10 s each"
        + (f"; server peak {mib(srv[0].get('peak_kib'))}" if srv else "") + ".\n\n"
        "| request | connections | req/s | p50 | p99 | failed |\n|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )

# --- import ------------------------------------------------------------------------------------
import_lines = []
for engine in ENGINES:
    log = read(f"import-{engine}.log")
    if log is None:
        continue
    rates = [int(x) for x in re.findall(r"\((\d+) rows/s\)", log)]
    peaks = [int(x) for x in re.findall(r"Maximum resident set size \(kbytes\): (\d+)", log)]
    verified = log.count("verify: ok")
    run = next((d for d in jsons(log) if d.get("phase") == "run"), {})
    if not rates:
        import_lines.append(f"| {engine} | failed (see the log) | | | |")
        continue
    import_lines.append(
        f"| {engine} | {' / '.join(f'{r:,}' for r in rates)} | {min(rates):,} | {mib(max(peaks) if peaks else None)} | {verified} of {len(rates)} | `{run.get('commit', '')}` |"
    )
    row("CSV import", f"100,000 receipt rows, {engine} (slowest of {len(rates)} runs), rows/s", "≥ 20,000",
        f"{min(rates):,}", min(rates) >= 20000, "seller trace operations; 13 (proof), item 7")
if import_lines:
    sections.append(
        "## CSV import\n\n`postgres` is PostgreSQL over TCP on 127.0.0.1, `postgres-socket` over its Unix socket.\n"
        "`suyuan-importgen --rows 100000` then `suyuan import receipts` on a fresh database, three runs\n"
        "per engine (the importer's own figure, from reading the file to the last commit); `suyuan verify`\n"
        "after each; peak memory from `/usr/bin/time -v`.\n\n"
        "| database | rows/s (each run) | slowest | peak memory | `verify` passed | commit |\n|---|---|---|---|---|---|\n"
        + "\n".join(import_lines) + "\n"
    )

# --- analytics ---------------------------------------------------------------------------------
a_lines = []
gen = read("analytics-generate.log")
if gen:
    m = re.search(r"generated (\d+) events, (\d+) codes, (\d+) sellers into \S+ in ([\d.]+) s", gen)
    if m:
        a_lines.append(f"| generate the mirror | {int(m.group(1)):,} events, {int(m.group(3)):,} sellers | {float(m.group(4)):.0f} s | | |")
full = read("analytics-full.log")
if full:
    times = [float(x) for x in re.findall(r"seller-months in ([\d.]+) s", full)]
    m = re.search(r"full recompute #\d+: (\d+) events -> (\d+) seller-months", full)
    pk = peak_kib(full)
    if times:
        best = min(times)
        a_lines.append(f"| full recompute of the per-seller-per-month timeliness query | {int(m.group(1)):,} events, {int(m.group(2)):,} seller-months | {' / '.join(f'{t:.2f} s' for t in times)} | {mib(pk)} | < 3 s, < 1.5 GB |")
        row("Analytics", f"full recompute of the timeliness query, {int(m.group(1)):,} events", "< 3 s, peak < 1.5 GB",
            f"{best:.2f} s (best of {len(times)}), {mib(pk)}", best < 3 and (pk or 0) < 1.5 * 1024 * 1024, "11 (analytics)")
every = read("analytics-every.log")
if every:
    runs = re.findall(r"every result #\d+: (\d+) events -> (\d+) scores, (\d+) timeliness rows, (\d+) overdue, (\d+) alert causes in ([\d.]+) s \(([^)]*)\)", every)
    pk = peak_kib(every)
    status = re.search(r"exit status: (\d+)", every)
    if runs:
        times = [float(r[5]) for r in runs]
        best = min(times)
        n = int(runs[0][0])
        a_lines.append(f"| every score, timeliness row and alert from the mirror (`run every`, as the service) | {n:,} events -> {int(runs[0][1]):,} scores, {int(runs[0][2]):,} timeliness rows, {int(runs[0][4]):,} alert causes | {' / '.join(f'{t:.2f} s' for t in times)} (steps of the best: {runs[times.index(best)][6]}) | {mib(pk)} | < 3 s, < 1.5 GB at 10 million |")
        row("Analytics", f"full recompute of every result from the mirror, {n:,} events", "< 3 s, peak < 1.5 GB (at 10 million)",
            f"{best:.2f} s (best of {len(times)}), {mib(pk)}", best < 3 and (pk or 0) < 1.5 * 1024 * 1024, "11 (analytics)")
    elif status and status.group(1) != "0":
        what = "killed (out of memory)" if status.group(1) in ("137", "9") else f"failed (exit status {status.group(1)})"
        a_lines.append(f"| every score, timeliness row and alert from the mirror (`run every`) | | {what} | {mib(pk)} | < 3 s, < 1.5 GB at 10 million |")
        row("Analytics", "full recompute of every result from the mirror", "< 3 s (at 10 million)", what, False, "11 (analytics)")
compute_logs = sorted((f for f in os.listdir(LOGS) if re.match(r"analytics-compute-\d+\.log$", f)),
                      key=lambda f: int(re.findall(r"\d+", f)[0]))
for name in compute_logs:
    compute_log = read(name)
    compute = criterion(compute_log)
    status = re.search(r"exit status: (\d+)", compute_log or "")
    if status and status.group(1) != "0":
        what = "killed (out of memory)" if status.group(1) in ("137", "9") else f"failed (exit status {status.group(1)})"
        size = int(re.findall(r"\d+", name)[0])
        n = f"{size:,} events"
        a_lines.append(f"| every score, timeliness row and alert (`compute`, in memory) | {n} | {what} | {mib(peak_kib(compute_log))} | < 3 s, < 1.5 GB at 10 million |")
        row("Analytics", f"full recompute of every result ({n})", "< 3 s (at 10 million)", what, False, "11 (analytics)")
    for k, v in compute.items():
        k = re.sub(r"\d{4,}", lambda m: f"{int(m.group(0)):,}", k)
        pk = peak_kib(compute_log)
        a_lines.append(f"| every score, timeliness row and alert (`compute`, in memory) | {k.split(',', 1)[-1].strip()} | {ms(v)} (median) | {mib(pk)} (with the generated frames) | < 3 s, < 1.5 GB at 10 million |")
        row("Analytics", f"full recompute of every result ({k.split(',', 1)[-1].strip()})", "< 3 s (at 10 million)", ms(v), v < 3, "11 (analytics)")
m, _ = found("analytics-sqlite.log", r"wrote (\d+) events into \S+ in ([\d.]+) s")
if m:
    a_lines.append(f"| fill SQLite with the same events (`mirror sqlite`) | {int(m.group(1)):,} events | {float(m.group(2)):.0f} s | | |")
m, rebuild = found("analytics-rebuild.log", r"rebuilt (\d+) events, (\d+) codes from \S+ in ([\d.]+) s")
if m:
    pk = peak_kib(rebuild)
    s = float(m.group(3))
    a_lines.append(f"| full mirror rebuild from SQLite | {int(m.group(1)):,} events | {s:.1f} s | {mib(pk)} | < 60 s |")
    row("Analytics", f"full mirror rebuild from SQLite, {int(m.group(1)):,} events", "< 60 s", f"{s:.1f} s", s < 60, "11 (analytics)")
m, _ = found("analytics-sql.log", r"polars \(with p50/p90\): ([\d.]+) s, (\d+) seller-months; SQL on SQLite \(no percentiles\): ([\d.]+) s, (\d+) rows; ratio ([\d.]+)x")
if m:
    ratio = float(m.group(5))
    a_lines.append(f"| the same query as SQL on SQLite (no percentiles) | {int(m.group(2)):,} seller-months | Polars {float(m.group(1)):.2f} s, SQL {float(m.group(3)):.2f} s: **{ratio:.1f}x** | | ≥ 4x |")
    row("Analytics", "the timeliness query: SQL on SQLite / Polars on the mirror", "≥ 4x", f"{ratio:.1f}x", ratio >= 4, "11 (analytics)")
m, inc = found("analytics-incremental.log", r"appended (\d+) events in ([\d.]+) s; recomputed months (.*?) \((\d+) seller-months\) in ([\d.]+) s; total ([\d.]+) s")
if m:
    pk = peak_kib(inc)
    total = float(m.group(6))
    a_lines.append(f"| incremental run after {int(m.group(1)):,} new events | appended in {float(m.group(2)):.2f} s; recomputed {m.group(3)} ({int(m.group(4)):,} seller-months) in {float(m.group(5)):.2f} s | {total:.2f} s | {mib(pk)} | < 0.5 s |")
    row("Analytics", f"incremental run after {int(m.group(1)):,} new events", "< 0.5 s", f"{total:.2f} s (append {float(m.group(2)):.2f} s + recompute {float(m.group(5)):.2f} s)", total < 0.5, "11 (analytics)")
if a_lines:
    sections.append(
        "## Supervision analytics\n\nThe generator's data set (`analytics/src/generate.rs`: sellers in 31 provinces, five categories,\n"
        "five tiers; late, incomplete and corrected registrations), `POLARS_MAX_THREADS=2`; the bench\n"
        "binaries of `cargo bench -p suyuan-analytics` (`mirror`, `run`, `compute`); peak memory from\n"
        "`/usr/bin/time -v`.\n\n"
        "| measure | size | time | peak memory | target |\n|---|---|---|---|---|\n" + "\n".join(a_lines) + "\n"
    )

# --- recall ------------------------------------------------------------------------------------
r_lines = []
rec = read("recall.log")
if rec:
    m = re.search(r"recall index: (\d+) events, (\d+) batches", rec)
    p = re.search(r"\((\d+) recalls\): p50 (\S+), p99 (\S+), max (\S+)", rec)
    if p:
        p99 = duration(p.group(3))
        r_lines.append(f"| in-memory custody index | {int(m.group(1)):,} events, {m.group(2)} batches | {p.group(1)} | {ms(duration(p.group(2)))} | {ms(p99)} | {ms(duration(p.group(4)))} |")
        row("Recall", "a batch through 5 tiers, p99", "< 20 ms", ms(p99), p99 is not None and p99 < 0.02, "11 (analytics)")
cte = read("recall-cte.log")
if cte:
    head = re.search(r"(\d+) recalls over (\d+) batches \((\d+) events\)", cte)
    mem = re.search(r"in-memory custody index: p50 (\S+), p99 (\S+), max (\S+)", cte)
    pgc = re.search(r"recursive CTE on PostgreSQL: p50 (\S+), p99 (\S+), max (\S+)", cte)
    ratio = re.search(r"ratio at p99: ([\d.]+)x", cte)
    if head and mem and pgc:
        size = f"{int(head.group(3)):,} events, {head.group(2)} batches"
        r_lines.append(f"| in-memory index (same run as the CTE) | {size} | {head.group(1)} | {ms(duration(mem.group(1)))} | {ms(duration(mem.group(2)))} | {ms(duration(mem.group(3)))} |")
        r_lines.append(f"| recursive CTE on PostgreSQL | {size} | {head.group(1)} | {ms(duration(pgc.group(1)))} | {ms(duration(pgc.group(2)))} | {ms(duration(pgc.group(3)))} |")
        if ratio:
            row("Recall", "recursive CTE on PostgreSQL / in-memory index, at p99", "(reported)", f"{float(ratio.group(1)):.1f}x", None, "11 (analytics)")
if r_lines:
    sections.append(
        "## Recall flow\n\nGenerated batches of one GTIN through 5 tiers (1 + 3 + 9 + 27 + 81 sellers per batch, each\n"
        "selling 20 units to consumers and shipping to 3 next-tier buyers who claim). The CTE run compares\n"
        "every recall's rows, sellers and tiers with the in-memory index's.\n\n"
        "| tracer | data | recalls | p50 | p99 | max |\n|---|---|---|---|---|---|\n" + "\n".join(r_lines) + "\n"
    )

# --- dashboards --------------------------------------------------------------------------------
dash = read("dashboards.log")
if dash:
    lines, current, who, worst = [], None, None, {}
    for line in dash.splitlines():
        m = re.match(r"^== (\w+)", line)
        if m:
            current = m.group(1)
            continue
        for d in jsons(line):
            if d.get("phase") == "context":
                who = d.get("signin")
            elif d.get("phase") == "get":
                lines.append(f"| {current} | {who} | `{d['what']}` | {d['rps']:,.0f} | {d['p50_ms']:.1f} ms | {d['p99_ms']:.1f} ms | {d['failed']:,} |")
                worst[current] = max(worst.get(current, 0), d["p99_ms"])
    for name, p99 in worst.items():
        row("Dashboards", f"slowest page's p99 at 16 clients ({name} data)", "< 100 ms", f"{p99:.1f} ms", p99 < 100, "12 (dashboards)")
    sections.append(
        "## Dashboards\n\n`scripts/bench-pages.sh`: 16 clients signed in, 10 s per page, on the demo alone and on the\n"
        "demo plus generated events (`mirror sqlite`), on SQLite.\n\n"
        "| data | signed in as | page | req/s | p50 | p99 | failed |\n|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n"
    )

# --- write -------------------------------------------------------------------------------------
out = ["# Benchmarks", ""]
out.append(
    "Written by `scripts/benchmarks.sh` (the command and its options are at the top of the script);\n"
    "every figure below is what a benchmark printed in that run, read back from its log by\n"
    "`scripts/benchmarks_report.py`. Load generators and the service share the machine's cores.\n"
)
out.append("## The machine and the run\n")
for k in ("events", "sqlite_events", "compute_events", "page_events"):
    if machine.get(k, "").isdigit():
        machine[k] = f"{int(machine[k]):,}"
for k, label in (("date", "last run"), ("commit", "last run's commit"), ("cpu", "CPU"), ("cores", "cores"), ("memory", "memory"),
                 ("kernel", "kernel"), ("rustc", "compiler"), ("postgres", "PostgreSQL"), ("sqlite", "SQLite (sqlite3)"),
                 ("events", "analytics events (mirror)"), ("sqlite_events", "analytics events (SQLite)"),
                 ("compute_events", "analytics events (in-memory recompute of every result)"),
                 ("page_events", "dashboard events"), ("secs", "seconds per intake phase")):
    if k in machine:
        out.append(f"- {label}: {machine[k]}")
stamps = []
for name in ("intake", "badges", "served", "import", "analytics", "recall", "dashboards"):
    stamp = (read(f"{name}.stamp") or "").split()
    if len(stamp) == 2:
        stamps.append(f"{name} {stamp[0]} at `{stamp[1]}`")
if stamps:
    out.append("- sections (run at, commit): " + "; ".join(stamps))
out.append("")
out.append("## Where each target stands\n")
out.append("| area | measure | target | measured | | issue |")
out.append("|---|---|---|---|---|---|")
for r in rows:
    out.append("| " + " | ".join(r) + " |")
missing = [name for name, present in (
    ("webhook intake", bool(intake_lines)), ("badges", bool(badges)), ("served badges and trace page", bool(served)),
    ("CSV import", bool(import_lines)), ("analytics", bool(a_lines)), ("recall", bool(r_lines)), ("dashboards", bool(dash)))
    if not present]
if missing:
    out.append("")
    out.append("Not measured in this run: " + ", ".join(missing) + ".")
failed = (read("failed.txt") or "").split()
if failed:
    out.append("")
    out.append("**Sections that failed in this run** (their logs are in the run's log directory): " + ", ".join(failed) + ".")
out.append("")
out.extend(sections)
with open(OUT, "w", encoding="utf-8") as f:
    f.write("\n".join(out).rstrip() + "\n")

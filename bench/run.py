"""``make bench``: the throughput of issue 13, measured in one run on a real broker.

Ceilings first (the raw aiokafka relay, consume → produce with acks=all and idempotence; a
bare FastAPI endpoint doing one SQLite insert), then each figure as a ratio to them: intake's
signed webhooks (32 in flight), webhook → EligibilityDetermined, a custody escape fanned out
as texts to five registrants each (to the local Twilio-compatible catcher), each service's
consumer and the outbox relay alone, and each service's memory. Prints a table, writes
bench/results.json, exits 1 when a target is missed.

Sizes scale with BENCH_SCALE (default 1: 1,000 requests, 100 escapes = 500 texts; 10 gives
the issue's 10,000 requests).
"""
import asyncio
import json
import logging
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

import ceilings
import consumers
import flows
from stack import SERVICE_PYTHON, SERVICES, local_broker, started

HERE = Path(__file__).parent
DRAIN_S = 2.0  # the last decision at most this long after the last webhook was answered
FANOUT_TARGET = 500  # texts a second


def sizes(scale: float) -> dict[str, int]:
    return {"raw": int(20_000 * scale), "bare": int(1_000 * scale), "cases": int(1_000 * scale),
            "escapes": max(1, int(100 * scale)), "screening": int(1_000 * scale),
            "outbox": int(5_000 * scale), "consumers": int(2_000 * scale)}


async def measure(scale: float) -> dict:
    n, results = sizes(scale), {}
    with tempfile.TemporaryDirectory(prefix="vod-bench-") as tmp:
        work = Path(tmp)
        async with local_broker(work) as broker:
            boot = broker.bootstrap
            await _step(results, "raw_relay", ceilings.raw_relay(boot, n["raw"]))
            await _step(results, "bare_endpoint", ceilings.bare_endpoint(work, n["bare"]))
            await _step(results, "outbox_relay", consumers.outbox_relay(boot, work, n["outbox"]))
            await _step(results, "screening_consumer",
                        consumers.screening_alone(boot, work, n["screening"]))
            for service in ("notifications", "scheduling", "intake"):
                await _step(results, f"{service}_consumer",
                            consumers.ALONE[service](boot, work, n["consumers"]))
            async with started(boot, work, broker_pid=broker.proc.pid) as stack:
                flow = await _step(results, "intake", flows.intake_to_eligibility(
                    stack, boot, n["cases"]))
                if flow:
                    results["intake_webhooks"] = flow["webhooks"]
                    results["webhook_to_eligibility"] = flow["eligibility"]
                    del results["intake"]
                await _step(results, "custody_fanout", flows.custody_fanout(stack, n["escapes"]))
                results["rss_mib"] = stack.rss_mib()
                results["services_python"] = SERVICE_PYTHON
    return results


async def _step(results: dict, name: str, running) -> dict | None:
    began = time.perf_counter()
    print(f"... {name}", flush=True)
    try:
        results[name] = await running
    except Exception as exc:
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return None
    print(f"    {name}: {results[name]} ({time.perf_counter() - began:.0f} s)", flush=True)
    return results[name]


def figures(results: dict) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, target, met) rows: ratios to the ceilings where the issue asks."""
    def rate(name):
        return results.get(name, {}).get("per_s")

    raw, bare = rate("raw_relay"), rate("bare_endpoint")
    rows = [("raw aiokafka relay (ceiling)", _per_s(raw, "msg"), "", None),
            ("bare FastAPI + 1 SQLite insert (ceiling)", _per_s(bare, "req"), "", None)]
    hooks, decided = rate("intake_webhooks"), rate("webhook_to_eligibility")
    refused = results.get("intake_webhooks", {}).get("refused")
    rows.append(("intake signed webhooks, 32 in flight",
                 f"{_per_s(hooks, 'req')} ({_pct(hooks, bare)} of bare)", ">= 50 % of bare",
                 _ok(hooks and bare and hooks >= 0.5 * bare)))
    failed = results.get("intake", {}).get("error")
    if refused or failed:  # a rate over the accepted ones alone would hide the refused ones
        rows.append(("intake webhook flow", failed or f"{refused} refused", "none refused",
                     False))
    flow = results.get("webhook_to_eligibility", {})
    drain = flow.get("drain_s")
    rows.append((f"webhook -> EligibilityDetermined, {flow.get('cases', '?')} cases",
                 f"{_per_s(decided, 'cases')}; {flow.get('backlog_at_end', '?')} undecided "
                 f"at the last webhook, drained {drain if drain is not None else '?'} s after",
                 f">= 90 % of intake's rate, drained <= {DRAIN_S:g} s",
                 _ok(hooks and _kept_up(flow, hooks))))
    fan = results.get("custody_fanout", {})
    rows.append((f"custody escape -> SMS, {fan.get('texts', '?')} texts",
                 f"{_per_s(fan.get('per_s'), 'SMS')}, first after {fan.get('first_text_s', '?')} s",
                 f">= {FANOUT_TARGET} SMS/s, first < 1 s",
                 _ok(fan.get("per_s", 0) >= FANOUT_TARGET and fan.get("first_text_s", 99) < 1)))
    screening = rate("screening_consumer")
    rows.append(("screening consumer alone", f"{_per_s(screening, 'events')} "
                 f"({_pct(screening, raw)} of relay)", ">= 1,000 events/s",
                 _ok(screening and screening >= 1000)))
    for service, fed in (("notifications", "CustodyStatusChanged"),
                         ("scheduling", "EligibilityDetermined"), ("intake", "NotificationSent")):
        alone = results.get(f"{service}_consumer", {})
        rows.append((f"{service} consumer alone ({fed})",
                     f"{_per_s(alone.get('per_s'), 'events')}, "
                     f"{alone.get('cpu_ms_per_event', '?')} ms CPU each", ">= 1,000 events/s",
                     _ok(alone.get("per_s", 0) >= 1000)))
    outbox = rate("outbox_relay")
    rows.append(("outbox relay alone (SQLite)", f"{_per_s(outbox, 'events')} "
                 f"({_pct(outbox, raw)} of relay)", "", None))
    for name in SERVICES:
        rss = results.get("rss_mib", {}).get(name)
        rows.append((f"RSS {name}", f"{rss} MiB" if rss else "-", "<= 120 MB",
                     _ok(rss and rss * 1.048576 <= 120)))
    return rows


def bounds(results: dict, cores: int) -> list[str]:
    """What bounds each flow whose rate missed its target, from what the run measured: the CPU
    each unit took, process by process, against the machine's cores (and the busiest service's
    one core: a service is one process); and how busy the machine was meanwhile. A flow held
    back by a wait rather than by CPU shows as a machine far from busy."""
    lines = []
    fan, flow = results.get("custody_fanout", {}), results.get("webhook_to_eligibility", {})
    webhooks, bare = results.get("intake_webhooks", {}), results.get("bare_endpoint", {})
    hooks = webhooks.get("per_s")
    if (webhooks.get("cpu_ms_each") and bare.get("cpu_ms_each") and hooks and bare.get("per_s")
            and hooks < 0.5 * bare["per_s"]):
        lines += _intake_bound(webhooks, bare)
    if fan.get("cpu_ms_each") and fan.get("per_s", 0) < FANOUT_TARGET:
        lines += _cpu_bound("custody fan-out", "text (and its email)", fan, cores,
                            want=FANOUT_TARGET, wanted="the target")
    if flow.get("cpu_ms_each") and hooks and not _kept_up(flow, hooks):
        lines += _cpu_bound("webhook -> decision", "request (webhook, decision, both emails)",
                            flow, cores, want=hooks, wanted="intake's rate")
        lines.append("  (a burst's decisions may run ahead of that for a while, their emails "
                     "behind)")
    return lines


def _cpu_bound(what: str, unit: str, measured: dict, cores: int, *, want: float,
               wanted: str) -> list[str]:
    each = measured["cpu_ms_each"]
    total = sum(each.values())
    spread = ", ".join(f"{name} {ms:g}" for name, ms in sorted(each.items(), key=lambda kv: -kv[1]))
    busiest = max((name for name in each if name in SERVICES), key=each.get)
    # What the stack uses at rest does not grow with the rate: set apart from each unit's work
    resting, rest_ms = measured.get("at_rest_cores") or 0.0, measured.get("at_rest_ms_each") or 0.0
    work = max(total - rest_ms, 1e-9)  # a stretch no longer than the look at rest: all rest
    free = max(cores - resting, 0.0)
    return [f"{what}: {total:.1f} ms of CPU a {unit}: {spread}"
            + (f"; {rest_ms:g} of it the stack at rest ({resting:.2f} of a core whatever it "
               f"does)" if resting else "") + _machine(measured, "; ", " meanwhile"),
            f"  {cores} cores at that cost: at most {1000 * free / work:,.0f} a "
            f"second; {wanted} ({want:,.0f} a second) would take "
            f"{resting + want * work / 1000:.1f} cores",
            f"  {busiest}, one process: at most {1000 / each[busiest]:,.0f} a second "
            f"(one core at {each[busiest]:g} ms each)"]


def _machine(measured: dict, before: str, when: str = "") -> str:
    """How busy the machine was (whoever used it), and how much its host took."""
    busy, stolen = measured.get("machine_busy"), measured.get("machine_stolen") or 0
    if busy is None:
        return ""
    return (f"{before}the machine {100 * busy:.0f} % busy{when}"
            + (f", and {100 * stolen:.0f} % taken by its host" if stolen >= 0.01 else ""))


def _intake_bound(webhooks: dict, bare: dict) -> list[str]:
    each, alone = webhooks["cpu_ms_each"], bare["cpu_ms_each"]
    intake = each["intake"]
    share = webhooks["per_s"] * intake / 1000  # of one core, while the webhooks came
    others = ", ".join(f"{name} {ms:g}" for name, ms in sorted(each.items(), key=lambda kv: -kv[1])
                       if name != "intake")
    return [f"intake signed webhooks: {intake:g} ms of intake's CPU each, the bare endpoint "
            f"{alone:g} ms a request ({intake / alone:.1f} times)",
            f"  on a core each: at most {1000 / intake:,.0f} against {1000 / alone:,.0f} a second "
            f"({100 * alone / intake:.0f} %); during the burst intake had {share:.2f} of a core"
            + _machine(webhooks, ", "),
            f"  the rest, per webhook meanwhile (earlier requests on their way, the load): {others}"]


def _kept_up(flow: dict, hooks: float) -> bool:
    # Keeps up: the decisions come at intake's pace, and what was undecided when the last
    # webhook was answered is decided within DRAIN_S of it (a backlog that grows with the
    # number of requests would take longer)
    decided, drain = flow.get("per_s"), flow.get("drain_s")
    return bool(decided and decided >= 0.9 * hooks and drain is not None and drain <= DRAIN_S)


def _per_s(value, unit: str) -> str:
    return f"{value:,.0f} {unit}/s" if value else "failed"


def _pct(value, of) -> str:
    return f"{100 * value / of:.1f} %" if value and of else "-"


def _ok(condition) -> bool:
    return bool(condition)


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    began = time.perf_counter()
    results = asyncio.run(measure(scale))
    rows = figures(results)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'what':{width}}  {'measured':40}  target")
    for what, measured, target, met in rows:
        mark = "" if met is None else ("ok" if met else "MISSED")
        print(f"{what:{width}}  {measured:40}  {target} {mark}")
    missed = [r[0] for r in rows if r[3] is False]
    cores = len(os.sched_getaffinity(0))
    reasons = bounds(results, cores)
    if reasons:
        print("\nWhat bounds the rates missed (CPU per unit, ms, by process):")
        print("\n".join(reasons))
    print(f"(the services ran on {SERVICE_PYTHON}"
          f"{'' if SERVICE_PYTHON != sys.executable else ', the development install'})")
    report = {"machine": {"cpus": cores, "platform": platform.platform(),
                          "python": platform.python_version()},
              "scale": scale, "seconds": round(time.perf_counter() - began), "results": results,
              "table": [dict(zip(("what", "measured", "target", "met"), r)) for r in rows],
              "missed": missed, "bounds": reasons}
    (HERE / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\n{len(missed)} target(s) missed; bench/results.json written "
          f"({report['seconds']} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

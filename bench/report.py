"""The bench's results: the table it prints, latest.json, and the plots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The headline figures, in the order the table shows them: (field, unit, what it is).
FIELDS: list[tuple[str, str, str]] = [
    ("intake_rps", "/s", "complaints accepted per second over HTTP"),
    ("intake_p50_ms", "ms", "POST /v1/complaints latency, median"),
    ("intake_p99_ms", "ms", "POST /v1/complaints latency, 99th percentile"),
    ("raw_db_tps", "/s", "the same row + outbox row straight from asyncpg"),
    ("intake_ratio", "", "intake_rps / raw_db_tps"),
    ("intake_ratio_isolated", "", "the same with relay, routing, worker, notification paused"),
    ("intake_cpu_ms_per_complaint", "ms", "intake's own CPU per accepted complaint (paused run)"),
    ("lifecycle_start_rps", "/s", "lifecycles started per second (Temporal start times)"),
    ("raw_temporal_start_rps", "/s", "bare start_workflow of an empty workflow"),
    ("raw_temporal_start_rps_serial", "/s", "the same, one call at a time (as the bridge)"),
    ("lifecycle_ratio", "", "lifecycle_start_rps / raw_temporal_start_rps"),
    ("lifecycle_routed_rps", "/s", "complaints reaching `routed` per second (intake's batch)"),
    ("raw_min_lifecycle_rps", "/s", "start + one local activity + a timer, same worker settings"),
    ("routed_ratio", "", "lifecycle_routed_rps / raw_min_lifecycle_rps"),
    ("e2e_routed_p50_ms", "ms", "accepted -> routed recorded, median (steady load)"),
    ("e2e_routed_p95_ms", "ms", "accepted -> routed recorded, 95th percentile"),
    ("update_p50_ms", "ms", "desk acknowledge round trip, median"),
    ("update_p95_ms", "ms", "desk acknowledge round trip, 95th percentile"),
    ("update_p95_ms_alone", "ms", "the same, one at a time on a quiet stack"),
    ("open_lifecycles", "", "lifecycles running with live timers at the end"),
    ("worker_rss_mb", "MiB", "worker process resident memory at the end"),
    ("worker_rss_mb_per_1000_open", "MiB", "worker memory grown per 1,000 open lifecycles"),
    ("temporal_db_mb_per_1000_open", "MiB", "Temporal's database grown per 1,000 open lifecycles"),
    ("cliff_size", "", "deadlines expiring at the same instant"),
    ("cliff_drain_s", "s", "deadline -> last supervisor escalation written"),
    ("burst_size", "", "complaints in the burst"),
    ("lost", "", "accepted without exactly one lifecycle + routed row (none)"),
    ("duplicated", "", "accepted with more than one (or one key, two complaints)"),
]


@dataclass
class Phase:
    """One step of the run: when it ran and the CPU seconds each component used."""

    name: str
    began: float
    ended: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Results:
    """Figures for the JSON, raw series for the plots, the phases, and anything that fell short."""

    began: float
    figures: dict[str, Any] = field(default_factory=dict)
    series: dict[str, list[float]] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    samples: list[Any] = field(default_factory=list)

    def cpu_ms_per(self, phases: tuple[str, ...], count: int | None) -> dict[str, float] | None:
        """CPU milliseconds per item that each component spent in these phases."""
        if not count:
            return None
        spent: dict[str, float] = {}
        for phase in self.phases:
            if phase.name in phases:
                for name, seconds in phase.cpu_s.items():
                    if name.startswith("("):  # the whole machine: not a component
                        continue
                    spent[name] = spent.get(name, 0.0) + seconds
        return {name: 1000 * seconds / count for name, seconds in sorted(spent.items())}

    def ratios(self) -> None:
        """Compute intake_ratio, lifecycle_ratio and routed_ratio from what was measured."""
        f = self.figures
        for name, top, bottom in (
            ("intake_ratio", "intake_rps", "raw_db_tps"),
            ("lifecycle_ratio", "lifecycle_start_rps", "raw_temporal_start_rps"),
            ("routed_ratio", "lifecycle_routed_rps", "raw_min_lifecycle_rps"),
            ("intake_ratio_isolated", "intake_rps_isolated", "raw_db_tps"),
        ):
            if f.get(top) and f.get(bottom):
                f[name] = f[top] / f[bottom]
            else:
                f.setdefault(name, None)


def _phase(phase: Phase) -> dict[str, Any]:
    """A phase for the JSON: CPU seconds per component, and what the rest of the machine took."""
    from bench.probe import MACHINE

    ours = {k: round(v, 2) for k, v in sorted(phase.cpu_s.items()) if k != MACHINE}
    seconds = phase.ended - phase.began
    machine = phase.cpu_s.get(MACHINE, 0.0)
    return {
        "name": phase.name,
        "seconds": round(seconds, 2),
        "cpu_s": ours,
        "other_processes_cpu_s": round(max(0.0, machine - sum(ours.values())), 2),
        "machine_busy_cores": round(machine / seconds, 2) if seconds > 0 else None,
        **({"error": phase.error} if phase.error else {}),
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def print_table(results: Results) -> None:
    """The headline figures, as a rich table on a terminal or plain columns elsewhere."""
    rows = [
        (name, _fmt(results.figures.get(name)), unit, meaning) for name, unit, meaning in FIELDS
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        for row in rows:
            print(f"{row[0]:32} {row[1]:>12} {row[2]:4} {row[3]}")
        return
    console = Console() if Console().is_terminal else Console(width=120)
    table = Table(title=f"Aduan bench, scale {results.figures.get('scale')}")
    for column, justify in (
        ("field", "left"),
        ("value", "right"),
        ("unit", "left"),
        ("what", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for note in results.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)


def write_json(results: Results, path: Path) -> None:
    """latest.json: every figure, then the phases and notes."""
    figures = rounded(results.figures)
    document = {
        **{name: figures.get(name) for name, _, _ in FIELDS},
        **figures,
        "phases": [_phase(p) for p in results.phases],
        "notes": results.notes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Floats to a sensible number of digits for the JSON."""
    out: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, float):
            out[key] = round(value, 4 if abs(value) < 10 else 1)
        elif isinstance(value, dict):
            out[key] = rounded(value)
        else:
            out[key] = value
    return out


# Plots ------------------------------------------------------------------------------------

_LATENCIES = [
    ("intake_latency_ms", "POST /v1/complaints (ms)"),
    ("e2e_routed_ms", "accepted -> routed, steady load (ms)"),
    ("update_latency_ms", "desk acknowledge round trip (ms)"),
]
_RATES = [
    ("raw_db_done_at", "raw PostgreSQL inserts"),
    ("accepted_at", "complaints accepted"),
    ("raw_temporal_started_at", "raw start_workflow"),
    ("lifecycle_started_at", "lifecycles started"),
    ("routed_at", "routed"),
    ("escalated_at", "escalations written"),
]


def plot(results: Results, folder: Path) -> list[Path]:
    """latency.png (distributions) and throughput.png (over time); the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _latency_plot(results, folder / "latency.png"),
        _throughput_plot(results, folder / "throughput.png"),
    ]


def _latency_plot(results: Results, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from bench.load import percentile

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (key, title) in zip(axes.flat, _LATENCIES, strict=False):
        values = results.series.get(key, [])
        ax.set_title(title)
        if not values:
            ax.text(0.5, 0.5, "no data", ha="center", transform=ax.transAxes)
            continue
        ax.hist(values, bins=60, color="#4c72b0")
        for q, style in ((50, "-"), (95, "--"), (99, ":")):
            at = percentile(values, q)
            ax.axvline(at, color="#c44e52", linestyle=style, label=f"p{q} {at:,.0f}")
        ax.set_ylabel("count")
        ax.legend()
    ax = axes.flat[3]
    lags = sorted(results.series.get("cliff_lag_s", []))
    ax.set_title(f"cliff: {len(lags)} deadlines at one instant")
    if lags:
        ax.step(lags, range(1, len(lags) + 1), where="post", color="#55a868")
        ax.set_xlabel("seconds after the deadline")
        ax.set_ylabel("supervisor escalations written")
        ax.set_xlim(left=min(0.0, lags[0]))
    fig.suptitle(_subtitle(results))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _throughput_plot(results: Results, path: Path) -> Path:
    import matplotlib.pyplot as plt

    from bench.probe import MACHINE

    fig, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(13, 11), sharex=True, gridspec_kw={"height_ratios": [3, 1, 2]}
    )
    for key, label in _RATES:
        times = [t - results.began for t in results.series.get(key, [])]
        if times:
            seconds = range(int(min(times)), int(max(times)) + 2)
            counts = [0] * len(seconds)
            for t in times:
                counts[int(t) - seconds.start] += 1
            top.step(list(seconds), counts, where="post", label=label)
    top.set_ylabel("per second (symlog)")
    top.set_yscale("symlog", linthresh=10)
    top.legend(loc="upper right", fontsize="small")
    for number, phase in enumerate(results.phases):
        for ax in (top, middle, bottom):
            ax.axvspan(
                phase.began - results.began,
                phase.ended - results.began,
                color="#e8e8e8" if number % 2 else "#f6f6f6",
                zorder=0,
            )
        top.annotate(
            phase.name,
            (phase.began - results.began, 0.98),
            xycoords=("data", "axes fraction"),
            rotation=90,
            fontsize=7,
            va="top",
            ha="right",
            color="#555555",
        )
    samples = results.samples
    middle.plot([s.t for s in samples], [s.worker_rss_mb for s in samples], color="#8172b2")
    middle.set_ylabel("worker RSS (MiB)")
    names = sorted(
        {n for s in samples for n in s.cores} - {MACHINE},
        key=lambda n: -sum(s.cores.get(n, 0) for s in samples),
    )
    if samples and names:
        colours = [plt.get_cmap("tab20")(i) for i in range(20)]
        bottom.stackplot(
            [s.t for s in samples],
            [[s.cores.get(n, 0.0) for s in samples] for n in names],
            labels=names,
            colors=colours[: len(names)],
        )
        bottom.plot(
            [s.t for s in samples],
            [s.cores.get(MACHINE, 0.0) for s in samples],
            color="black",
            linewidth=0.8,
            label="whole machine (others too)",
        )
        bottom.legend(loc="upper right", fontsize="small", ncol=2)
    bottom.set_ylabel("CPU cores used")
    bottom.set_xlabel("seconds since the bench started")
    fig.suptitle(
        _subtitle(results) + "\nthroughput over time (1 s bins), worker memory,"
        " CPU by component; shaded: the phases"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _subtitle(results: Results) -> str:
    f = results.figures
    return (
        f"Aduan bench, scale {f.get('scale')}, {f.get('started_at', '')[:19]},"
        f" {f.get('machine', {}).get('cores')} cores, commit {str(f.get('git_commit'))[:10]}"
    )

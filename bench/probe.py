"""What the stack's processes cost: CPU per component and the worker's memory, sampled."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil

from bench.stack import BenchStack


def component(process: psutil.Process) -> str | None:
    """Which part of the stack a process is: `worker`, `intake`, `postgres`, `temporal`..."""
    try:
        argv = process.cmdline()
        name = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    if "serve" in argv and argv.index("serve") + 1 < len(argv):
        return str(argv[argv.index("serve") + 1])
    if "--multiprocessing-fork" in argv:  # one of intake's worker processes: intake's share
        try:
            parent = process.parent()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        return component(parent) if parent is not None else None
    if name.startswith("postgres") or any(a.endswith("/postgres") for a in argv[:1]):
        return "postgres"
    if "nats-server" in name:
        return "nats"
    if "temporal" in name:
        return "temporal"
    if "run" in argv and "aduan" in argv:
        return "supervisor"
    return str(name)


MACHINE = "(whole machine)"  # every process on it, ours and everyone else's


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy since boot (all cores, all processes)."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@dataclass
class Sample:
    """One look at the stack: seconds since the bench began, worker RSS, CPU cores used
    by each component and (under MACHINE) by the whole machine."""

    t: float
    worker_rss_mb: float | None
    cores: dict[str, float]


@dataclass
class Probe:
    """Samples the stack every `period` seconds on a thread of its own."""

    stack: BenchStack
    began: float
    period: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    _cpu: dict[int, float] = field(default_factory=dict)
    _cpu_started: bool = False
    _machine_start: float = field(default_factory=machine_busy_s)
    _totals: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def processes(self) -> list[psutil.Process]:
        """Every process of the stack now (the bench itself included, as `bench`)."""
        assert self.stack.process is not None
        try:
            root = psutil.Process(self.stack.process.pid)
            return [root, *root.children(recursive=True), psutil.Process()]
        except psutil.NoSuchProcess:
            return [psutil.Process()]

    def worker_rss_mb(self) -> float | None:
        """Resident memory of the `aduan serve worker` process, in MiB."""
        for process in self.processes():
            if component(process) == "worker":
                try:
                    return float(process.memory_info().rss) / 2**20
                except psutil.NoSuchProcess:
                    return None
        return None

    def cpu_totals(self) -> dict[str, float]:
        """CPU seconds used by each component since the probe started (sampled processes),
        and by the whole machine (MACHINE), so that a phase shows what others took."""
        with self._lock:
            self._tick()
            return {**self._totals, MACHINE: machine_busy_s() - self._machine_start}

    def _tick(self) -> None:
        me = psutil.Process().pid
        for process in self.processes():
            name = "bench" if process.pid == me else component(process)
            try:
                times = process.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total = times.user + times.system
            first = process.pid not in self._cpu
            delta = (
                0.0 if first and not self._cpu_started else total - self._cpu.get(process.pid, 0.0)
            )
            self._cpu[process.pid] = total
            if name is not None and delta > 0:
                self._totals[name] = self._totals.get(name, 0.0) + delta
        self._cpu_started = True

    def start(self) -> None:
        """Begin sampling in the background."""
        self.cpu_totals()
        self._thread = threading.Thread(target=self._loop, name="bench-probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        last, before = time.monotonic(), self.cpu_totals()
        while not self._stop.wait(self.period):
            totals, now = self.cpu_totals(), time.monotonic()
            cores = {
                name: (seconds - before.get(name, 0.0)) / (now - last)
                for name, seconds in totals.items()
            }
            last, before = now, totals
            self.samples.append(Sample(time.time() - self.began, self.worker_rss_mb(), cores))

"""Benchmarks of the Python package (run by hand; see the README's performance table).

    python crates/airlock-python/bench/bench.py

Measures, on the installed ``airlock``:
- cold start: ``import airlock`` + the first ``Sandbox()`` + the first trivial run, in a fresh
  process with a warm compile cache (median of 5 processes);
- a trivial run (``return 1``) on an existing session;
- sequential calls from JavaScript to a trivial sync Python tool, per second;
- two sessions in two threads running a CPU-bound script, against one.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

COLD = """
import time
t = time.perf_counter()
import airlock
airlock.Sandbox().session().run("return 1")
print(time.perf_counter() - t)
"""

CPU = "let x = 0; for (let i = 0; i < 3e7; i++) x = (x + i) % 1000003; return x"


def cold_start_ms() -> float:
    subprocess.run([sys.executable, "-c", COLD], check=True, capture_output=True)  # fills the cache
    times = [
        float(subprocess.run([sys.executable, "-c", COLD], check=True, capture_output=True, text=True).stdout)
        for _ in range(5)
    ]
    return statistics.median(times) * 1000


def trivial_run_ms(session: object, n: int = 2000) -> float:
    run = session.run  # type: ignore[attr-defined]
    for _ in range(200):
        run("return 1")
    best = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            run("return 1")
        best.append((time.perf_counter() - t) / n)
    return min(best) * 1000


def tool_calls_per_second() -> float:
    import airlock

    def noop(x: int) -> int:
        """Returns its argument."""
        return x

    session = airlock.Sandbox(tools=[noop], limits=airlock.Limits(tool_calls_per_run=100_000)).session()
    n = 20_000
    script = f"let t = 0; for (let i = 0; i < {n}; i++) t += await noop({{ x: 1 }}); return t"
    session.run(script)
    best = min(_timed(lambda: session.run(script)) for _ in range(3))
    return n / best


def _timed(f: object) -> float:
    t = time.perf_counter()
    f()  # type: ignore[operator]
    return time.perf_counter() - t


def thread_scaling() -> tuple[float, float]:
    import airlock

    sandbox = airlock.Sandbox(limits=airlock.Limits(timeout=60))
    sessions = [sandbox.session(), sandbox.session()]
    sessions[0].run(CPU)
    one = _timed(lambda: sessions[0].run(CPU))

    def both() -> None:
        threads = [threading.Thread(target=s.run, args=(CPU,)) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    two = _timed(both)
    return one, two


def main() -> None:
    import airlock

    print(f"cold start (import + Sandbox() + first run, warm cache): {cold_start_ms():.1f} ms")
    session = airlock.Sandbox().session()
    print(f"trivial run on a session: {trivial_run_ms(session):.3f} ms")
    print(f"sequential sync Python tool calls from JS: {tool_calls_per_second():,.0f} per second")
    one, two = thread_scaling()
    print(
        f"CPU-bound script: one session {one * 1000:.0f} ms; two sessions in two threads "
        f"{two * 1000:.0f} ms, throughput x{2 * one / two:.2f}"
    )


if __name__ == "__main__":
    main()

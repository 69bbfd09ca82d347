"""Synthetic video writing is streamed: memory does not grow with length (2,000 vs 20,000 frames).

Prints, for a 20,000-frame video against a 2,000-frame baseline made in the same process: the
ratio of peak Python/numpy memory (tracemalloc; expected ~1, only the ground-truth poses grow,
by 2 floats per body part and frame) and the ratio of wall time (expected ~10, linear).
Run: python benchmarks/synth_long_video.py [--size 160x120]
"""
from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path


def measure(path: Path, n_frames: int, size: str) -> tuple[float, float]:
    from madlc.synth.video import write_synthetic_video

    tracemalloc.start()
    t0 = time.perf_counter()
    write_synthetic_video(path, 3, 4, n_frames, size, seed=0)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="160x120")
    parser.add_argument("--frames", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base_mem, base_t = measure(Path(tmp) / "base.mp4", args.frames // 10, args.size)
        long_mem, long_t = measure(Path(tmp) / "long.mp4", args.frames, args.size)
    print(f"baseline {args.frames // 10} frames: peak {base_mem:.1f} MiB, {base_t:.1f} s")
    print(f"long     {args.frames} frames: peak {long_mem:.1f} MiB, {long_t:.1f} s")
    print(f"memory ratio long/baseline: {long_mem / base_mem:.2f} (streamed: ~1)")
    print(f"time ratio long/baseline:   {long_t / base_t:.2f} (linear: ~10)")


if __name__ == "__main__":
    main()

"""Video analysis memory does not grow with video length: peak RSS for 20,000 vs 2,000 frames.

Makes a synthetic project with a tiny (untrained) network and two small synthetic videos, then
analyses each in a fresh process (same model, batch size and chunk size) and prints the peak
resident memory of each run, the ratio long/short (goal: ~1, flat) and the size of the outputs.
Run: python benchmarks/analyze_memory.py [--frames 20000] [--size 64x48] [--chunk 1000]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(config: str, video: str, out: str, batch: int, chunk: int) -> None:
    """Analyse one video; print JSON with peak RSS (MiB) before and after the analysis."""
    import resource

    import torch

    from madlc.stages.analyze_videos import analyze_video
    from madlc.nn.inference.model import load_inference_model
    from madlc.project.config import load_config

    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = load_inference_model(load_config(config), device="cpu")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    res = analyze_video(video, model, batch, out, analyze={"chunk_size": chunk}, progress=False)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"frames": res.nframes, "rss_model_mib": before, "rss_peak_mib": peak, "seconds": elapsed,
                      "full_pickle_mib": res.full_pickle.stat().st_size / 2**20}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--size", default="64x48")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--child", nargs=3, metavar=("CONFIG", "VIDEO", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.batch, args.chunk)
        return

    import torch

    import madlc
    from madlc.nn.models import build_model_quiet
    from madlc.nn.models.config import load_pytorch_config
    from madlc.project.config import load_config
    from madlc.project.paths import model_folder, snapshot_filename
    from madlc.synth.video import write_synthetic_video

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = madlc.synth_project(str(root / "proj"), animals=3, bodyparts=4, frames=40, size=args.size,
                                     labeled_frames=10)
        madlc.create_multianimaltraining_dataset(config, net_type="tiny")
        folder = model_folder(load_config(config))
        torch.save({"model": build_model_quiet(load_pytorch_config(folder)).state_dict()},
                   folder / "train" / snapshot_filename(0))
        results = {}
        for n in (args.frames // 10, args.frames):
            video = root / f"video{n}.mp4"
            write_synthetic_video(video, 3, 4, n, args.size, seed=2, progress=n >= 10000)
            cmd = [sys.executable, __file__, "--batch", str(args.batch), "--chunk", str(args.chunk),
                   "--child", config, str(video), str(root / f"out{n}")]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr[-3000:])
            results[n] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[n]
            print(f"{n:6d} frames {args.size}: peak RSS {r['rss_peak_mib']:7.1f} MiB (after model load "
                  f"{r['rss_model_mib']:.1f}), {r['seconds']:.1f} s ({n / r['seconds']:.0f} frames/s), "
                  f"_full.pickle {r['full_pickle_mib']:.1f} MiB", flush=True)
    short, long = results[args.frames // 10], results[args.frames]
    grow = (long["rss_peak_mib"] - long["rss_model_mib"]) / max(short["rss_peak_mib"] - short["rss_model_mib"], 1e-9)
    print(f"peak RSS ratio {args.frames}/{args.frames // 10} frames: {long['rss_peak_mib'] / short['rss_peak_mib']:.3f} "
          f"(flat: ~1); growth during analysis {long['rss_peak_mib'] - long['rss_model_mib']:.1f} vs "
          f"{short['rss_peak_mib'] - short['rss_model_mib']:.1f} MiB (ratio {grow:.2f}); output size ratio "
          f"{long['full_pickle_mib'] / short['full_pickle_mib']:.1f}")


if __name__ == "__main__":
    main()

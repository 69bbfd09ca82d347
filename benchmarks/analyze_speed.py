"""Video analysis throughput against the bare network forward on the same frames and batch size.

Builds a synthetic project and a shuffle (network ``--net``, untrained weights saved as a
snapshot, or ``--train-steps`` of training), writes a synthetic video, then measures in one
process:

* baseline: the network alone (uint8 batch -> maps, synchronised), on frames decoded in advance;
* analyze_video: decoding + network + peaks/PAF costs + part files + final ``_full.pickle``.

Both are repeated, interleaved, and the best of each is compared (the machine may be shared).
Prints frames/s of both and their ratio (goal: >= 0.9 on a GPU, >= 0.8 on a CPU).
Run: python benchmarks/analyze_speed.py [--net tiny] [--frames 300] [--size 320x240] [--batch 8]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def make_model(root: Path, net: str, size: str, device: str, train_steps: int = 0, overrides=()):
    """A synthetic project with one shuffle of ``net`` and a snapshot; returns (config path, LoadedModel)."""
    import torch

    import madlc
    from madlc.nn.inference.model import load_inference_model
    from madlc.nn.models import build_model_quiet
    from madlc.nn.models.config import load_pytorch_config
    from madlc.project.config import load_config
    from madlc.project.paths import model_folder, snapshot_filename

    cfg_path = madlc.synth_project(str(root / "proj"), animals=3, bodyparts=4, frames=40, size=size,
                                   labeled_frames=10)
    madlc.create_multianimaltraining_dataset(cfg_path, net_type=net)
    cfg = load_config(cfg_path)
    folder = model_folder(cfg)
    if train_steps:
        threads = torch.get_num_threads()
        madlc.train_network(cfg_path, maxiters=train_steps, overrides=["data.batch_size=4"])
        torch.set_num_threads(threads)  # training may lower it
    else:
        net_module = build_model_quiet(load_pytorch_config(folder))
        torch.save({"model": net_module.state_dict()}, folder / "train" / snapshot_filename(0))
    return cfg_path, load_inference_model(cfg, device=device, overrides=list(overrides))


def decoded_frames(video: Path):
    import numpy as np

    from madlc.video.reader import VideoReader

    with VideoReader(video) as reader:
        return np.stack([f for _, f in reader.frames()])


def bare_forward_fps(model, frames, batch: int, repeats: int = 1) -> float:
    """Frames/s of the network alone: host uint8 batch -> device -> maps (synchronised)."""
    import torch

    cuda = torch.device(model.device).type == "cuda"
    data = torch.from_numpy(frames)
    if cuda:
        data = data.pin_memory()
    with torch.inference_mode():
        model.forward(data[:batch].to(model.device))  # warm-up
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(repeats):
            for start in range(0, len(data), batch):
                out = model.forward(data[start:start + batch].to(model.device, non_blocking=True))
            if cuda:
                torch.cuda.synchronize()
            else:
                _ = out["heatmap"].sum().item()
        elapsed = time.perf_counter() - t0
    return repeats * len(data) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--net", default="tiny", help="DeepLabCut net_type (tiny, resnet_50, dlcrnet_ms5, ...)")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--device", default=None, help="cpu, cuda (default: cuda if available)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--train-steps", type=int, default=0, help="train the network this many steps first")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats; the best of each is reported")
    parser.add_argument("--minconfidence", type=float, default=None,
                        help="inference.minconfidence (an untrained net has flat maps: many peaks)")
    args = parser.parse_args()

    import torch

    from madlc.stages.analyze_videos import analyze_video
    from madlc.synth.video import write_synthetic_video

    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    overrides = [] if args.minconfidence is None else [f"inference.minconfidence={args.minconfidence}"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, model = make_model(root, args.net, args.size, device, args.train_steps, overrides)
        video = root / "bench.mp4"
        write_synthetic_video(video, 3, 4, args.frames, args.size, seed=1)
        frames = decoded_frames(video)
        analyze_video(video, model, args.batch, root / "warm", analyze={"chunk_size": 100}, progress=False)
        bare, runs = [], []
        for rep in range(args.repeats):  # interleaved: both see the same machine load
            bare.append(bare_forward_fps(model, frames, args.batch))
            t0 = time.perf_counter()
            res = analyze_video(video, model, args.batch, root / f"out{rep}", analyze={"chunk_size": 100},
                                progress=False)
            runs.append(res.nframes / (time.perf_counter() - t0))
        assert res.nframes == args.frames
        n_det = _mean_detections(res.full_pickle)
    base, fps = max(bare), max(runs)
    dev = torch.cuda.get_device_name() if device.startswith("cuda") else f"cpu ({torch.get_num_threads()} threads)"
    print(f"device {dev}; net {args.net}; {args.frames} frames {args.size}; batch {args.batch}; "
          f"{n_det:.1f} detections/frame")
    print(f"bare network forward: {base:8.1f} frames/s")
    print(f"analyze_video       : {fps:8.1f} frames/s (decode + network + peaks/PAF + parts + final pickle)")
    print(f"ratio analyze/bare  : {fps / base:.3f} (goal >= 0.9 GPU, >= 0.8 CPU); best of {args.repeats}: "
          f"bare {', '.join(f'{b:.1f}' for b in bare)}; analyze {', '.join(f'{r:.1f}' for r in runs)}")


def _mean_detections(path: Path) -> float:
    import pickle

    with open(path, "rb") as fh:
        data = pickle.load(fh)
    frames = [v for k, v in data.items() if k != "metadata"]
    return sum(sum(len(a) for a in f["coordinates"][0]) for f in frames) / max(len(frames), 1)


if __name__ == "__main__":
    main()

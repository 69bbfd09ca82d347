"""Training throughput: images/s of the tiny and resnet_50 networks, and data-loading vs. model-step time.

    python benchmarks/train_throughput.py [--steps 10] [--batch 8] [--crop 256] [--threads N]
    python benchmarks/train_throughput.py --demo      # + train tiny on a synthetic 3-animal project, report RMSE

For each network: the mean time to produce one batch with the real data pipeline (random crop,
augmentation, target maps; one process) and the mean time of one optimizer step (forward, losses,
backward, Adam) on that batch, on this machine's CPU (or GPU when available). Printed as images/s
and as the ratio data time / step time (< 1: the model is the bottleneck; > 1: add workers).
The ratio resnet_50 / tiny step time is printed as the baseline comparison.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _setup(root: Path, crop: int, net: str) -> tuple:
    from madlc.nn.data.dataset import PoseDataset
    from madlc.project.labels import joint_names
    from madlc.stages.create_multianimaltraining_dataset import create_multianimaltraining_dataset, load_training_data
    from madlc.nn.models.config import apply_overrides, load_pytorch_config, network_shape
    from madlc.project import paths
    from madlc.project.config import load_config
    from madlc.stages.synth_project import synth_project

    config = root / "config.yaml"
    if not config.exists():
        config = Path(synth_project(str(root), animals=3, bodyparts=4, frames=60, size="320x256", labeled_frames=20))
        create_multianimaltraining_dataset(config, net_type="tiny")
    cfg = load_config(config)
    pcfg = apply_overrides(load_pytorch_config(paths.model_folder(cfg)), [f"model={net}", f"data.crop_size=[{crop},{crop}]"])
    shape = network_shape(pcfg)
    ds = PoseDataset(cfg["project_path"], load_training_data(cfg), shape, pcfg["data"], joint_names(cfg),
                     len(paths.individuals(cfg)))
    return pcfg, ds


def bench(net: str, root: Path, steps: int, batch: int, crop: int) -> tuple[float, float]:
    import torch
    from torch.utils.data import default_collate

    from madlc.nn.models import build_model_quiet
    from madlc.nn.models.losses import head_losses, total_loss

    pcfg, ds = _setup(root, crop, net)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = build_model_quiet(pcfg).to(device).train()
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    data_t, step_t = [], []
    for k in range(steps + 2):
        t0 = time.perf_counter()
        b = default_collate([ds[(k * batch + i) % len(ds)] for i in range(batch)])
        t1 = time.perf_counter()
        b = {key: v.to(device) for key, v in b.items()}
        with torch.autocast(device, enabled=device == "cuda"):
            loss = total_loss(head_losses(model(b["image"]), b), pcfg["train"]["loss_weights"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        if k >= 2:  # warm-up
            data_t.append(t1 - t0)
            step_t.append(t2 - t1)
    return sum(data_t) / len(data_t), sum(step_t) / len(step_t)


def demo(root: Path, steps: int) -> None:
    """Train tiny on a synthetic project (3 animals, 60 labeled frames, 192x160 px) and print the RMSE."""
    from madlc.stages.create_multianimaltraining_dataset import create_multianimaltraining_dataset
    from madlc.stages.train_network import evaluate_snapshot, train_network
    from madlc.project import paths
    from madlc.project.config import load_config
    from madlc.stages.synth_project import synth_project

    config = synth_project(str(root / "demo"), animals=3, bodyparts=4, frames=120, size="192x160",
                           labeled_frames=30, videos=2)
    create_multianimaltraining_dataset(config, net_type="tiny")
    t = time.perf_counter()
    train_network(config, maxiters=steps, displayiters=50, overrides=["train.progress_bar=false"])
    elapsed = time.perf_counter() - t
    report = evaluate_snapshot(config, paths.model_folder(load_config(config)))
    print(f"demo: tiny, {steps} steps in {elapsed:.0f} s; " + ", ".join(f"{k} {v:.2f}" for k, v in report.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: train.num_threads=auto)")
    parser.add_argument("--nets", nargs="+", default=["tiny", "resnet_50"])
    parser.add_argument("--demo", action="store_true", help="also train tiny on a synthetic project and report RMSE")
    parser.add_argument("--demo-steps", type=int, default=300)
    args = parser.parse_args()
    import torch

    from madlc.nn.models.train import resolve_threads

    args.threads = resolve_threads(args.threads if args.threads else "auto")
    torch.set_num_threads(args.threads)
    print(f"torch threads {args.threads}, batch {args.batch}, crop {args.crop}x{args.crop}, "
          f"device {'cuda' if torch.cuda.is_available() else 'cpu'}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = {}
        for net in args.nets:
            data_s, step_s = bench(net, root, args.steps, args.batch, args.crop)
            results[net] = step_s
            print(f"{net:>12}: {args.batch / step_s:7.1f} images/s training ({step_s * 1000:.0f} ms/step), "
                  f"data {args.batch / data_s:7.1f} images/s ({data_s * 1000:.0f} ms/batch), "
                  f"data/step time ratio {data_s / step_s:.2f}")
        if "tiny" in results:
            for net, s in results.items():
                if net != "tiny":
                    print(f"{net} step time = {s / results['tiny']:.1f} x tiny")
        if args.demo:
            demo(root, args.demo_steps)


if __name__ == "__main__":
    main()

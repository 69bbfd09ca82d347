"""The Lightning half of ``train_network``: devices, threads, logging and the fit loop.

The stage (:mod:`madlc.stages.train_network`) reads and writes the shuffle's files and resumes;
these functions only touch torch and Lightning.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import warnings
from pathlib import Path
from typing import Any, Iterator

from madlc.errors import ConfigError


def resolve_threads(value: Any, workers: int = 0) -> int:
    """``train.num_threads``: an int, or ``auto`` = cores left after the DataLoader workers and the machine's
    current load (1-minute load average), at least 1. Oversubscribed OpenMP threads make CPU training
    many times slower (measured here: 2 threads on 2 busy cores ran a tiny-net step 15x slower than 1)."""
    if value in (None, "auto"):
        try:
            busy = int(os.getloadavg()[0])
        except OSError:
            busy = 0
        return max(1, int(os.cpu_count() or 1) - workers - busy)
    return max(1, int(value))


def lightning_device(train_cfg: dict[str, Any], gputouse: int | None) -> tuple[str, Any, str]:
    """(accelerator, devices, precision) for Lightning."""
    import torch

    want = str(train_cfg.get("device", "auto"))
    if gputouse is not None:
        want = f"cuda:{int(gputouse)}"
    cuda = torch.cuda.is_available() and want != "cpu"
    if want.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"train.device={want}: no CUDA GPU is available here. What to do: use train.device=cpu or auto.")
    precision = str(train_cfg.get("precision", "auto"))
    if precision == "auto":
        precision = "16-mixed" if cuda else "32-true"
    if cuda:
        devices = [int(want.split(":")[1])] if ":" in want else 1
        return "gpu", devices, precision
    return "cpu", 1, precision


def load_init_weights(net: Any, path: str | Path) -> None:
    from madlc.nn.models import read_snapshot

    state = read_snapshot(path)["model"] if str(path).endswith(".pt") else None
    if state is None:
        import torch

        state = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing:
        print(f"init_weights {path}: {len(missing)} tensors not in the file keep their initial values "
              f"(e.g. {missing[:3]}).")


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Hide Lightning's banner lines (GPU/TPU availability, tips, SLURM hints); keep real warnings."""
    names = ["lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero", "lightning.pytorch"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        for pattern in (r".*srun.*", r".*LeafSpec.*", r".*log_every_n_steps.*", r".*num_workers.*bottleneck.*"):
            warnings.filterwarnings("ignore", message=pattern)
        for lg in loggers:
            lg.setLevel(logging.WARNING)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def make_logger(train_cfg: dict[str, Any], train_dir: Path) -> Any:
    from lightning.pytorch.loggers import CSVLogger

    if str(train_cfg.get("logger", "csv")) == "tensorboard":
        try:
            from lightning.pytorch.loggers import TensorBoardLogger

            return TensorBoardLogger(str(train_dir), name="logs")
        except (ImportError, ModuleNotFoundError):
            print("train.logger=tensorboard: tensorboard is not installed; logging to CSV instead.")
    return CSVLogger(str(train_dir), name="logs")


def set_threads_and_seed(threads: int, seed: int) -> None:
    """torch's intra-op threads and every random generator (Lightning's ``seed_everything``)."""
    import lightning as L
    import torch

    torch.set_num_threads(threads)
    L.seed_everything(seed, verbose=False)


def fit(net: Any, pcfg: dict[str, Any], dataset: Any, train_dir: Path, remaining: int, steps_per_epoch: int,
        gputouse: int | None = None, optimizer_state: Any = None, step_offset: int = 0, epoch_offset: int = 0
        ) -> list[Path]:
    """Train ``net`` for ``remaining`` steps with Lightning; returns the snapshots written (oldest first)."""
    import lightning as L

    from madlc.nn.data.dataset import make_datamodule
    from madlc.nn.models.module import PoseModule, SnapshotCallback, StatsCallback

    tcfg = pcfg["train"]
    batch_size = int(pcfg["data"].get("batch_size", 8))
    module = PoseModule(net, pcfg, optimizer_state, step_offset, epoch_offset)
    datamodule = make_datamodule(dataset, batch_size, pcfg["data"].get("num_workers", "auto"))
    accelerator, devices, precision = lightning_device(tcfg, gputouse)
    snapshots = SnapshotCallback(train_dir, int(tcfg.get("save_epochs", 25)), tcfg.get("max_snapshots_to_keep"),
                                 str(pcfg.get("net_type")))
    display = int(tcfg.get("display_iters", 500))
    epochs = math.ceil(remaining / steps_per_epoch)
    if tcfg.get("max_epochs"):
        epochs = min(epochs, int(tcfg["max_epochs"]) - epoch_offset)
    with quiet_lightning():
        trainer = L.Trainer(
            accelerator=accelerator, devices=devices, precision=precision, max_steps=remaining,
            max_epochs=max(1, epochs), logger=make_logger(tcfg, train_dir),
            callbacks=[snapshots, StatsCallback(train_dir, display)],
            enable_checkpointing=False, enable_progress_bar=bool(tcfg.get("progress_bar", True)),
            enable_model_summary=False, log_every_n_steps=max(1, min(display, 50, steps_per_epoch)),
            num_sanity_val_steps=0, default_root_dir=str(train_dir),
        )
        trainer.fit(module, datamodule=datamodule)
    return list(snapshots.saved)


def image_maps(model: Any, image: Any) -> dict[str, Any]:
    """Heatmaps and locref of one RGB uint8 image ``(H, W, 3)`` as numpy arrays, plus ``stride``."""
    import torch

    from madlc.nn.models import model_forward

    res = model_forward(model, torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0)
    return {"heatmaps": res["heatmaps"][0].numpy(), "locref": res["locref"][0].numpy(), "stride": res["stride"]}

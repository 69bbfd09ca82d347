"""The LightningModule (network + losses + optimizer/schedule) and the snapshot/statistics callbacks.

Snapshots (DeepLabCut 3 layout, FORMATS.md §1.3): ``train/snapshot-<EEE>.pt`` where ``EEE`` is the
number of epochs (passes over the training images) done, zero-padded to 3 digits, holding
``{"model": state_dict, "optimizer": state_dict, "metadata": {"epoch", "step", "net_type"}}``.
Written atomically every ``train.save_epochs`` epochs and at the end; the oldest are deleted beyond
``train.max_snapshots_to_keep`` (``snapshot-best-*`` files are never deleted).
"""
from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch

from madlc.io.atomic import atomic_path
from madlc.nn.models.losses import head_losses, total_loss
from madlc.project import paths

STAT_COLUMNS = ["step", "epoch", "loss", "heatmap", "locref", "paf", "identity", "lr"]


def lr_factor(step: int, train_cfg: dict[str, Any]) -> float:
    """Learning-rate multiplier at an absolute optimizer step (warmup, then step / cosine / constant)."""
    warm = int(train_cfg.get("warmup_steps") or 0)
    if warm and step < warm:
        return (step + 1) / warm
    kind = str(train_cfg.get("schedule", "step"))
    if kind == "cosine":
        total = max(1, int(train_cfg.get("max_steps", 1)) - warm)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / total)))
    if kind == "step":
        factor = 1.0
        for milestone, f in zip(train_cfg.get("milestones") or [], train_cfg.get("lr_factors") or []):
            if step >= int(milestone):
                factor = float(f)
        return factor
    return 1.0


def learning_rate(pytorch_cfg: dict[str, Any]) -> float:
    """``train.lr``, or with ``auto`` the model group's ``lr`` (default 1e-4)."""
    lr = pytorch_cfg["train"].get("lr", "auto")
    if lr in (None, "auto"):
        lr = pytorch_cfg["model"].get("lr", 1e-4)
    return float(lr)


class PoseModule(L.LightningModule):
    """Trains a :class:`madlc.nn.models.network.PoseNet`; ``step_offset``/``epoch_offset`` count resumed progress."""

    def __init__(self, net: torch.nn.Module, pytorch_cfg: dict[str, Any], optimizer_state: dict | None = None,
                 step_offset: int = 0, epoch_offset: int = 0) -> None:
        super().__init__()
        self.net = net
        self.pcfg = pytorch_cfg
        self.train_cfg = pytorch_cfg["train"]
        self.optimizer_state = optimizer_state
        self.step_offset = step_offset
        self.epoch_offset = epoch_offset
        self.last_losses: dict[str, float] = {}

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.net(images)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        raw = self.net(batch["image"])
        losses = head_losses(raw, batch, bool(self.train_cfg.get("locref_huber", True)))
        loss = total_loss(losses, self.train_cfg.get("loss_weights") or {})
        bs = batch["image"].shape[0]
        self.log("train/loss", loss, prog_bar=True, batch_size=bs)
        for name, value in losses.items():
            self.log(f"train/{name}", value, batch_size=bs)
        self.last_losses = {"loss": float(loss.detach()), **{k: float(v.detach()) for k, v in losses.items()}}
        return loss

    def configure_optimizers(self) -> Any:
        lr = learning_rate(self.pcfg)
        wd = float(self.train_cfg.get("weight_decay", 0.0))
        name = str(self.train_cfg.get("optimizer", "adam")).lower()
        optimizers = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
        if name not in optimizers:
            from madlc.errors import ConfigError

            raise ConfigError(f"train.optimizer={name!r}: use one of {sorted(optimizers)}.")
        opt = optimizers[name](self.net.parameters(), lr=lr, weight_decay=wd)
        if self.optimizer_state:
            opt.load_state_dict(self.optimizer_state)
            for group in opt.param_groups:
                group["lr"] = lr
                group["initial_lr"] = lr
        offset = self.step_offset
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s + offset, self.train_cfg))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class SnapshotCallback(L.Callback):
    """Writes ``snapshot-<epoch>.pt`` every ``save_epochs`` epochs and at the end; prunes old ones."""

    def __init__(self, train_dir: Path, save_epochs: int, keep: int | None, net_type: str) -> None:
        self.train_dir, self.save_epochs, self.keep, self.net_type = Path(train_dir), max(1, int(save_epochs)), keep, net_type
        self.last_saved: int | None = None
        self.saved: list[Path] = []

    def epochs_done(self, trainer: L.Trainer, module: PoseModule) -> int:
        per_epoch = max(1, int(trainer.num_training_batches))
        return module.epoch_offset + math.ceil(trainer.global_step / per_epoch)

    def on_train_epoch_end(self, trainer: L.Trainer, module: PoseModule) -> None:
        epoch = self.epochs_done(trainer, module)
        if epoch % self.save_epochs == 0:
            self.save(trainer, module, epoch)

    def on_train_end(self, trainer: L.Trainer, module: PoseModule) -> None:
        epoch = self.epochs_done(trainer, module)
        if self.last_saved != epoch and trainer.global_step > 0:
            self.save(trainer, module, epoch)

    def save(self, trainer: L.Trainer, module: PoseModule, epoch: int) -> Path:
        path = self.train_dir / paths.snapshot_filename(epoch)
        opt = trainer.optimizers[0].state_dict() if trainer.optimizers else {}
        state = {"model": {k: v.detach().cpu() for k, v in module.net.state_dict().items()}, "optimizer": opt,
                 "metadata": {"epoch": int(epoch), "step": int(module.step_offset + trainer.global_step),
                              "net_type": self.net_type}}
        with atomic_path(path) as tmp:
            torch.save(state, tmp)
        self.last_saved = epoch
        self.saved.append(path)
        self.prune()
        return path

    def prune(self) -> None:
        if not self.keep:
            return
        regular = [p for p in paths.list_snapshots(self.train_dir) if not p.name.startswith("snapshot-best")]
        for old in regular[: max(0, len(regular) - int(self.keep))]:
            old.unlink(missing_ok=True)


class StatsCallback(L.Callback):
    """Every ``display_iters`` steps (and at the first and last step): a row in ``learning_stats.csv`` and a line
    in ``train.txt``."""

    def __init__(self, train_dir: Path, display_iters: int) -> None:
        self.csv_path = Path(train_dir) / "learning_stats.csv"
        self.log_path = Path(train_dir) / "train.txt"
        self.every = max(1, int(display_iters))
        self.rows: list[dict[str, Any]] = []
        if self.csv_path.exists():
            with self.csv_path.open() as f:
                self.rows = list(csv.DictReader(f))

    #: seconds between two progress lines on stdout (``train_network: step S/N loss L, M:SS left``)
    progress_every_s = 2.0

    def on_train_start(self, trainer: L.Trainer, module: PoseModule) -> None:
        self.started, self.last_print = time.monotonic(), 0.0

    def _progress_line(self, trainer: L.Trainer, module: PoseModule, step: int) -> None:
        now = time.monotonic()
        if now - getattr(self, "last_print", 0.0) < self.progress_every_s:
            return
        self.last_print = now
        total = module.step_offset + trainer.max_steps if trainer.max_steps and trainer.max_steps > 0 else None
        done = max(1, trainer.global_step)
        loss = module.last_losses.get("loss")
        text = f"train_network: step {step}" + (f"/{total}" if total else "")
        text += f" loss {loss:.4g}" if loss is not None else ""
        if total:
            left = (now - getattr(self, "started", now)) / done * max(0, total - step)
            text += f", {int(left // 60)}:{int(left % 60):02d} left"
        print(text, flush=True)

    def on_train_batch_end(self, trainer: L.Trainer, module: PoseModule, outputs: Any, batch: Any, batch_idx: int) -> None:
        step = module.step_offset + trainer.global_step
        self._progress_line(trainer, module, step)
        last = trainer.max_steps is not None and trainer.global_step >= trainer.max_steps
        if step % self.every != 0 and trainer.global_step != 1 and not last:
            return
        lr = trainer.optimizers[0].param_groups[0]["lr"]
        row = {"step": step, "epoch": module.epoch_offset + trainer.current_epoch, "lr": f"{lr:.3g}"}
        row.update({k: f"{v:.5g}" for k, v in module.last_losses.items()})
        self.rows.append(row)
        self.write()
        line = f"step {step} epoch {row['epoch']} " + " ".join(f"{k} {v}" for k, v in row.items() if k not in ("step", "epoch"))
        with self.log_path.open("a") as f:
            f.write(line + "\n")

    def write(self) -> None:
        write_learning_stats(self.csv_path, self.rows)


def write_learning_stats(path: Path, rows: list[dict[str, Any]]) -> None:
    """``learning_stats.csv`` (columns :data:`STAT_COLUMNS`), written atomically."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=STAT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())


def restore_learning_stats(train_dir: Path, step: int, epoch: int) -> Path | None:
    """Write a missing ``learning_stats.csv`` again from the ``step ...`` lines of ``train.txt`` (the same rows),
    or one row for the snapshot's ``step``/``epoch`` when there are none. Snakemake deletes the outputs of
    a job that failed after training (e.g. in the end-of-run evaluation); this lets the next run go on.
    Returns the file written, or None when it was there."""
    csv_path, log_path = Path(train_dir) / "learning_stats.csv", Path(train_dir) / "train.txt"
    if csv_path.exists():
        return None
    rows: list[dict[str, Any]] = []
    if log_path.exists():
        for line in log_path.read_text().splitlines():
            words = line.split()
            if len(words) >= 4 and words[0] == "step" and len(words) % 2 == 0:
                rows.append(dict(zip(words[::2], words[1::2])))
    if not rows or int(float(rows[-1].get("step", 0))) != step:
        rows.append({"step": step, "epoch": epoch})
    write_learning_stats(csv_path, rows)
    return csv_path

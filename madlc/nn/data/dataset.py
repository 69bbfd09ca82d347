"""Torch dataset and LightningDataModule for bottom-up training.

A sample is one random crop of a training image (``data.crop_size``, sampled with
``data.crop_sampling``), augmented (:mod:`madlc.nn.data.augment`), with its target maps
(:mod:`madlc.nn.data.targets`)::

    {"image": float32 (3, ch, cw) RGB in [0, 1],
     "heatmap": (J, h, w), "locref": (2J, h, w), "locref_mask": (2J, h, w), "paf": (2E, h, w),
     "identity": int64 (h, w) (only with identity)}

The training images come from the shuffle's training pickle (FORMATS.md §4.2), so editing that
pickle or the split changes what is trained on, as in DeepLabCut.

Crop size vs. image size: a crop larger than every training image is reduced to the largest image
(rounded up to the stride; one message says so); images smaller than the crop are zero-padded.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from madlc.nn.data.augment import augment, build_augmenter, crop, flip_permutation, sample_crop_origin
from madlc.nn.data.targets import make_targets
from madlc.io.images import read_image


def entries_to_keypoints(entries: list[dict[str, Any]], n_slots: int, n_joints: int) -> np.ndarray:
    """Training-pickle entries -> ``(n_images, n_slots, n_joints, 2)`` (the ``single`` slot is last)."""
    out = np.full((len(entries), n_slots, n_joints, 2), np.nan)
    for i, entry in enumerate(entries):
        for slot, joints in entry["joints"].items():
            joints = np.asarray(joints, dtype=np.float64).reshape(-1, 3)
            slot = min(int(slot), n_slots - 1)
            out[i, slot, joints[:, 0].astype(int)] = joints[:, 1:3]
    return out


def effective_crop(crop_size: list[int], sizes: list[tuple[int, int]], stride: int) -> tuple[int, int]:
    """``data.crop_size`` (w, h), reduced to the largest image (multiple of ``stride``) when larger."""
    max_w = max(w for w, _ in sizes)
    max_h = max(h for _, h in sizes)
    cw, ch = int(crop_size[0]), int(crop_size[1])
    fit_w = min(cw, int(np.ceil(max_w / stride) * stride))
    fit_h = min(ch, int(np.ceil(max_h / stride) * stride))
    if (fit_w, fit_h) != (cw, ch):
        print(f"training crop {cw}x{ch} is larger than the images (at most {max_w}x{max_h}); using {fit_w}x{fit_h}.")
    return fit_w, fit_h


class PoseDataset(Dataset):
    """Random crops + augmentation + target maps of the training images (module docstring)."""

    def __init__(self, project: str | Path, entries: list[dict[str, Any]], shape: dict[str, Any],
                 data_cfg: dict[str, Any], joint_names: list[str], n_slots: int, augment_images: bool = True,
                 seed: int = 0) -> None:
        self.project = Path(project)
        self.images = [self.project.joinpath(*e["image"]) if not isinstance(e["image"], str)
                       else self.project / e["image"].replace("\\", "/") for e in entries]
        self.keypoints = entries_to_keypoints(entries, n_slots, shape["num_joints"])
        sizes = [(int(e["size"][2]), int(e["size"][1])) for e in entries]
        self.shape, self.cfg = shape, data_cfg
        self.crop_size = effective_crop(data_cfg.get("crop_size", [400, 400]), sizes, shape["stride"])
        aug = dict(data_cfg.get("augmentation") or {})
        self.hflip = float(aug.get("hflip", 0.0)) if augment_images else 0.0
        self.flip_perm = flip_permutation(joint_names, aug.get("symmetric_pairs") or [])
        self.augment_images = augment_images
        self.augmenter = build_augmenter(aug, seed) if augment_images else None
        self.cache: dict[int, np.ndarray] = {}
        copies = max(1, resolve_workers(data_cfg.get("num_workers", "auto")))  # each worker keeps its own cache
        total_mb = sum(w * h * 3 for w, h in sizes) * copies / 2**20
        self.use_cache = bool(data_cfg.get("cache_images", True)) and total_mb <= float(data_cfg.get("cache_limit_mb", 2048))
        self.rng = np.random.default_rng(seed)

    def reseed(self, seed: int) -> None:
        """Independent random streams per DataLoader worker."""
        self.rng = np.random.default_rng(seed)
        if self.augmenter is not None:
            self.augmenter.set_random_seed(seed % (2**32))

    def __len__(self) -> int:
        return len(self.images)

    def image(self, i: int) -> np.ndarray:
        if i in self.cache:
            return self.cache[i]
        img = read_image(self.images[i])
        if self.use_cache:
            self.cache[i] = img
        return img

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        img = self.image(i)
        kpts = self.keypoints[i]
        h, w = img.shape[:2]
        x0, y0 = sample_crop_origin(kpts, w, h, self.crop_size, str(self.cfg.get("crop_sampling", "hybrid")),
                                    self.rng, float(self.cfg.get("crop_jitter", 0.1)))
        img, kpts = crop(img, kpts, x0, y0, self.crop_size)
        if self.augment_images:
            img, kpts = augment(img, kpts, self.augmenter, self.rng, self.hflip, self.flip_perm)
        stride = self.shape["stride"]
        ch, cw = img.shape[:2]
        out_size = (int(np.ceil(ch / stride)), int(np.ceil(cw / stride)))
        targets = make_targets(kpts, out_size, stride, self.shape["graph"], self.shape["num_multibodyparts"],
                               self.shape["num_identities"], float(self.cfg.get("pos_dist_thresh", 17)),
                               self.shape["locref_stdev"], float(self.cfg.get("pafwidth", 20)),
                               str(self.cfg.get("heatmap", "disk")))
        sample = {k: torch.from_numpy(v) for k, v in targets.items()}
        sample["image"] = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float().div_(255.0)
        return sample


def _worker_init(worker_id: int) -> None:
    info = torch.utils.data.get_worker_info()
    if info is not None:
        info.dataset.reseed(int(info.seed))


def resolve_workers(value: Any) -> int:
    """``data.num_workers``: an int, or ``auto`` = min(4, cpu_count - 1)."""
    if value in (None, "auto"):
        return max(0, min(4, (os.cpu_count() or 1) - 1))
    return int(value)


def make_datamodule(dataset: PoseDataset, batch_size: int, num_workers: Any = "auto") -> Any:
    """A LightningDataModule serving ``dataset`` (shuffled, workers with independent random streams)."""
    import lightning as L

    class PoseDataModule(L.LightningDataModule):
        def __init__(self) -> None:
            super().__init__()
            self.dataset = dataset
            self.batch_size = max(1, min(int(batch_size), len(dataset)))
            self.num_workers = resolve_workers(num_workers)

        def train_dataloader(self) -> DataLoader:
            return DataLoader(self.dataset, batch_size=self.batch_size, shuffle=True, drop_last=True,
                              num_workers=self.num_workers, persistent_workers=self.num_workers > 0,
                              worker_init_fn=_worker_init, pin_memory=torch.cuda.is_available())

    return PoseDataModule()

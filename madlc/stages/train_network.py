"""``train_network``: train a shuffle's bottom-up network (CPU or GPU) with Lightning.

Reads ``train/pytorch_config.yaml`` of the shuffle's model folder (written by
``create_multianimaltraining_dataset``; the user may edit it), applies the arguments and Hydra
``overrides`` on top, writes the resolved config back (that file is what evaluation and inference
read), then trains: snapshots ``train/snapshot-<EEE>.pt``, ``train/learning_stats.csv``,
``train/train.txt``, Lightning logs in ``train/logs/`` (CSV, or TensorBoard with ``train.logger=tensorboard``).

Resuming: with ``train.resume: true`` (default) the last ``snapshot-<EEE>.pt`` is continued (weights,
optimizer, step count) until ``train.max_steps``; a corrupt last snapshot stops with an error naming it
(delete it to resume from the one before, or pass ``train.resume=false`` to start afresh).
``train.init_weights: <snapshot or state_dict>`` starts from given weights instead (new step count).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence


from madlc.errors import ConfigError, MadlcError
from madlc.config import resolve
from madlc.config.dlc_files import fit_training_settings, read_record, record_written, training_leaves
from madlc.nn.models.config import (PYTORCH_CONFIG, apply_overrides, load_pytorch_config, network_shape,
                                    write_model_config)
from madlc.nn.models.names import model_option
from madlc.project import paths
from madlc.project.config import load_config


def _resume_point(train_dir: Path) -> tuple[Path | None, dict[str, Any] | None]:
    from madlc.nn.models import read_snapshot

    regular = [p for p in paths.list_snapshots(train_dir) if not p.name.startswith("snapshot-best")]
    if not regular:
        return None, None
    last = regular[-1]
    try:
        return last, read_snapshot(last)
    except MadlcError as err:
        raise MadlcError(f"{err} (cannot resume training from it; delete it to resume from the previous snapshot, "
                         "or pass the override train.resume=false to start afresh)") from err


def _check_project_matches(cfg: dict[str, Any], pcfg: dict[str, Any], model_dir: Path) -> None:
    """The shuffle was created for this project's body parts and individuals (config.yaml may have changed since)."""
    meta = pcfg["metadata"]
    now = {"bodyparts": paths.multianimal_bodyparts(cfg), "unique_bodyparts": paths.unique_bodyparts(cfg),
           "individuals": paths.individuals(cfg)}
    for key, value in now.items():
        if list(meta.get(key) or []) != value:
            raise ConfigError(f"{model_dir / 'train' / PYTORCH_CONFIG}: made for {key} {meta.get(key)}, but config.yaml "
                              f"now lists {value}. What to do: run create_multianimaltraining_dataset again "
                              "(with a new shuffle number to keep this one).")


def _archive_snapshots(train_dir: Path) -> None:
    """Starting afresh (``train.resume=false``): move old snapshots, with their learning_stats.csv and
    train.txt, to ``train/previous-<time>/`` so that 'the last snapshot' always means one of this run,
    the learning curve is this run's (and nothing is lost)."""
    import time

    old = paths.list_snapshots(train_dir)
    if not old:
        return
    dest = train_dir / time.strftime("previous-%Y%m%d-%H%M%S")
    dest.mkdir(parents=True, exist_ok=True)
    for snap in old:
        snap.rename(dest / snap.name)
    for log in ("learning_stats.csv", "train.txt"):
        if (train_dir / log).exists():
            (train_dir / log).rename(dest / log)
    print(f"train_network: train.resume=false: moved {len(old)} earlier snapshot(s) and their logs to {dest}.")


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"train.lr": 1}`` -> ``{"train": {"lr": 1}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def train_network(
    config: str | Path,
    shuffle: int = 1,
    trainingsetindex: int = 0,
    max_snapshots_to_keep: int | None = None,
    displayiters: int | None = None,
    saveiters: int | None = None,
    maxiters: int | None = None,
    gputouse: int | None = None,
    allow_growth: bool = True,
    autotune: bool = False,
    overrides: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> str:
    """Train the network of a shuffle; writes train/snapshot-<EEE>.pt and learning_stats.csv in its model folder.

    ``maxiters``: optimizer steps to train in total (``train.max_steps``); ``saveiters``: steps between
    snapshots (converted to epochs, snapshots are numbered by epoch as in DeepLabCut 3); ``displayiters``:
    steps between loss reports. ``overrides``: Hydra settings, e.g. ``model=resnet_50 train.lr=5e-4
    data.crop_size=[256,256]``. ``max_snapshots_to_keep``: a number; None (default) = the
    ``train.max_snapshots_to_keep`` setting (5; ``train.max_snapshots_to_keep=null`` keeps all). Settings (``model``, ``data``, ``train``,
    ``seed``): the shuffle's train/pytorch_config.yaml, with values changed since in madlc.yaml (or
    given in ``settings``, a rule's resolved settings) brought in unless the file was edited there by
    hand (madlc.config.dlc_files), then the arguments and ``overrides`` on top.
    ``allow_growth``/``autotune`` are TensorFlow options, accepted and ignored.
    Returns the path of the last snapshot.
    """
    from madlc.nn.data.dataset import PoseDataset
    from madlc.project.labels import joint_names
    from madlc.project.trainingset import load_training_data
    from madlc.nn.models import build_model, build_model_quiet
    from madlc.nn.models.train import fit, load_init_weights, resolve_threads, set_threads_and_seed

    del allow_growth, autotune
    cfg = load_config(config)
    model_dir = paths.model_folder(cfg, shuffle, trainingsetindex)
    train_dir = model_dir / "train"
    pcfg = load_pytorch_config(model_dir)
    pcfg_path = train_dir / PYTORCH_CONFIG
    record = read_record(pcfg_path)
    before = training_leaves(pcfg)
    if record is not None:
        if settings is None:
            option = model_option(str(pcfg["model"].get("name") or pcfg.get("net_type")))
            settings = resolve(cfg["project_path"], [f"model={option}"]).values
        for key, (old, new) in fit_training_settings(pcfg, settings, record).items():
            print(f"train_network: {key} = {new!r} (settings changed since the shuffle was made; was {old!r})")
    args = []
    if maxiters is not None:
        args.append(f"train.max_steps={int(maxiters)}")
    if displayiters is not None:
        args.append(f"train.display_iters={int(displayiters)}")
    if max_snapshots_to_keep is not None:
        args.append(f"train.max_snapshots_to_keep={int(max_snapshots_to_keep)}")
    saved_resume = pcfg["train"].get("resume", True)
    pcfg = apply_overrides(pcfg, [*args, *overrides])
    tcfg = pcfg["train"]
    _check_project_matches(cfg, pcfg, model_dir)
    shape = network_shape(pcfg)
    entries = load_training_data(cfg, shuffle, trainingsetindex)
    n_slots = len(paths.individuals(cfg)) + (1 if paths.unique_bodyparts(cfg) else 0)
    dataset = PoseDataset(cfg["project_path"], entries, shape, pcfg["data"], joint_names(cfg), n_slots,
                          augment_images=True, seed=int(pcfg.get("seed", 0)))
    batch_size = int(pcfg["data"].get("batch_size", 8))
    steps_per_epoch = max(1, len(dataset) // max(1, min(batch_size, len(dataset))))
    if saveiters is not None:
        tcfg["save_epochs"] = max(1, round(int(saveiters) / steps_per_epoch))
    from madlc.nn.data.dataset import resolve_workers

    set_threads_and_seed(resolve_threads(tcfg.get("num_threads"), resolve_workers(pcfg["data"].get("num_workers"))),
                         int(pcfg.get("seed", 0)))
    step_offset = epoch_offset = 0
    optimizer_state = None
    if tcfg.get("resume", True):
        last, snap = _resume_point(train_dir)
    else:
        last, snap = None, None
    # ImageNet weights are only worth fetching when nothing else overwrites them
    net = build_model_quiet(pcfg) if snap is not None or tcfg.get("init_weights") else build_model(pcfg)
    if snap is not None:
        try:
            net.load_state_dict(snap["model"])
        except RuntimeError as err:
            raise MadlcError(f"{last}: the snapshot does not fit the network of {train_dir / PYTORCH_CONFIG} "
                             f"({str(err)[:160]}). What to do: move the old snapshots away, or pass train.resume=false.") from err
        meta = snap.get("metadata") or {}
        step_offset, epoch_offset = int(meta.get("step", 0)), int(meta.get("epoch", 0))
        optimizer_state = snap.get("optimizer") or None
        print(f"train_network: resuming from {last.name} (step {step_offset}, epoch {epoch_offset}).")
    elif tcfg.get("init_weights"):
        load_init_weights(net, tcfg["init_weights"])
    if not tcfg.get("resume", True):
        _archive_snapshots(train_dir)  # after init_weights were read (they may be one of these snapshots)
    # the resolved config of this run, read by evaluation and inference (train.resume is a per-run choice)
    written = dict(pcfg, train=dict(tcfg, resume=saved_resume))
    write_model_config(model_dir, written, steps_per_epoch)
    if record is not None:  # what madlc changed in the file now counts as written by madlc, not a hand edit
        changed = {k: v for k, v in training_leaves(written).items() if k not in before or before[k] != v}
        if changed:
            record_written(pcfg_path, _nest(changed), merge=True)
    remaining = int(tcfg.get("max_steps", 50000)) - step_offset
    if remaining <= 0:
        print(f"train_network: already trained for {step_offset} steps (train.max_steps={tcfg.get('max_steps')}); "
              "raise maxiters / train.max_steps to continue.")
        from madlc.nn.models.module import restore_learning_stats

        if restore_learning_stats(train_dir, step_offset, epoch_offset):
            print(f"train_network: {train_dir / 'learning_stats.csv'} was missing (an earlier run stopped after "
                  "training); written again from train.txt.")
        return str(last)

    saved = fit(net, pcfg, dataset, train_dir, remaining, steps_per_epoch, gputouse,
                optimizer_state, step_offset, epoch_offset)
    final = saved[-1] if saved else last
    if tcfg.get("eval_at_end", True) and final is not None:
        report = evaluate_snapshot(cfg, model_dir, shuffle, trainingsetindex)
        line = f"final snapshot {Path(final).name} (as evaluate_network reports it): " + ", ".join(
            f"{k} {v:.2f}" for k, v in report.items())
        print("train_network: " + line)
        with (train_dir / "train.txt").open("a") as f:
            f.write(line + "\n")
    return str(final)


def evaluate_snapshot(config: str | Path | dict[str, Any], model_dir: str | Path, shuffle: int = 1,
                      trainingsetindex: int = 0, snapshotindex: int = -1) -> dict[str, float]:
    """The end-of-run report: evaluate_network's train/test RMSE (px, likelihood >= pcutoff too) and mAP for the
    same snapshot, by the same code (:func:`madlc.stages.evaluate_network.snapshot_metrics`), without writing files."""
    from madlc.stages.evaluate_network import snapshot_metrics

    del model_dir
    metrics = snapshot_metrics(config, shuffle, trainingsetindex, snapshotindex)
    return {k: v for k, v in metrics.items() if not k.endswith("mAR")}

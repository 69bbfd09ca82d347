"""madlc and DeepLabCut 3.0.2 side by side, in the same sitting, on the same inputs.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/dlc_side_by_side.py            # ~3-5 min on 2 shared cores
    python benchmarks/dlc_side_by_side.py --parts assembly,stitching --repeats 3  # shorter

DeepLabCut runs in its own venv (``$MADLC_DLC_VENV``, default ``~/.cache/madlc-dlc-venv``; made by
``.ci/dlc_env.sh``) as one long-lived worker process (``benchmarks/dlc_worker.py``, DeepLabCut imported
once). Each round runs every part once on each side, alternately, who goes first swapping from
round to round, so both see the same machine load; the best time of each side over ``--repeats``
rounds is compared. Both sides run with one thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)).
Parts:

* assembly: DeepLabCut's own detections of montblanc (``montblanc_full.pickle``, 180 frames, up to
  3 birds, PAF threshold 0.1, pcutoff 0.1, 2 links): in memory, DeepLabCut's ``Assembler`` (serial)
  vs madlc's core assembler (``assemble_frames``) on those frames repeated ``--tile`` times (a run
  of 50-100 ms is mostly noise on a shared machine); and file in, file out on the 180-frame file:
  madlc's public ``madlc.assemble`` (the settings composition it does per call is timed separately) vs reading the
  pickle, DeepLabCut's Assembler and its ``to_pickle``. Accuracy: both assemblers on the 30
  labelled images (``montblanc_eval.pickle``, up to 8 animals), OKS-mAP/mAR by the same metric code.
* tracking: DeepLabCut's assemblies (``montblanc_assemblies.pickle``) -> tracklets, DeepLabCut 3's
  ``build_tracklets`` (what convert_detections2tracklets runs) vs madlc's ``track_assemblies``,
  box / ellipse / skeleton, max_age 1, min_hits 1, each method's default threshold.
* stitching: DeepLabCut's ellipse tracklets (``montblanc_tracklets.pickle``) -> 3 tracks,
  ``TrackletStitcher`` vs madlc's stitcher. IDF1 against ``montblanc_tracks.h5``, which is
  DeepLabCut's own stitched output of those tracklets: it measures agreement with DeepLabCut,
  not accuracy (there is no human ground truth for these frames).
* analysis: a bottom-up resnet_50 (random init: the two programs' resnet_50 snapshots do not load in
  each other, so each runs its own network of that architecture) on the same synthetic video,
  CPU, batch 8: DeepLabCut's ``video_inference`` (decode + network + its PAF predictor, which also
  assembles) vs madlc's ``analyze_video`` (decode + network + peaks/PAF costs + ``_full.pickle``);
  and each network alone on batches of random frames (madlc's from uint8, normalising inside;
  DeepLabCut's from normalised floats, as its runner feeds it).

Prints madlc's figure, DeepLabCut's, and the ratio (madlc / DeepLabCut for speed: > 1 = madlc faster).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from dlc_worker import tile_frames  # the same frames on both sides (the worker's own rule)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "dlc"
WORKER = Path(__file__).resolve().parent / "dlc_worker.py"
VENV = Path(os.environ.get("MADLC_DLC_VENV", Path.home() / ".cache" / "madlc-dlc-venv"))
METHODS = ("box", "ellipse", "skeleton")
N_FRAMES = 180  # montblanc


def _load(name: str):
    with open(DATA / name, "rb") as fh:
        return pickle.load(fh)


def _best(times: list[float]) -> float:
    return min(times) if times else float("nan")


# ---------------------------------------------------------------- madlc's side


def assembly_settings(metadata: dict, max_n: int):
    from madlc.core.assembly.assemble import AssemblySettings

    return AssemblySettings(n_multibodyparts=4, graph=metadata["PAFgraph"], paf_inds=list(metadata["PAFinds"]),
                            pcutoff=0.1, pafthreshold=0.1, max_n_individuals=max_n, min_n_links=2)


ASSEMBLE_OVERRIDES = ["inference.pcutoff=0.1", "inference.pafthreshold=0.1", "inference.topktoretain=3",
                      "inference.minimalnumberofconnections=2"]


def madlc_eval_assembly() -> tuple[list, list]:
    """madlc's core assembler on the 30 labelled images (up to 8 animals): animals and their scores per image."""
    from madlc.core.assembly.assemble import assemble_frame

    data = _load("montblanc_eval.pickle")
    settings = assembly_settings(data["metadata"], 8)
    preds, scores = [], []
    for key, value in data.items():
        if key == "metadata":
            continue
        res = assemble_frame(value["prediction"], settings)
        preds.append(res.animals)
        scores.append(res.scores)
    return preds, scores


class MadlcSide:
    """madlc's runs, one timed run per call (inputs loaded once)."""

    def __init__(self, workdir: Path, analysis_inputs: tuple[str, Path, str] | None, batch: int, tile: int) -> None:
        self.workdir, self.analysis_inputs, self.batch, self.tile = workdir, analysis_inputs, batch, tile
        self.results: dict = {}
        self._state: dict = {}

    def run(self, part: str) -> None:
        getattr(self, part)(self.results.setdefault(part, {}))

    def assembly(self, out: dict) -> None:
        """Core assembler, public madlc.assemble (and its settings composition) on montblanc's 180 frames."""
        import madlc
        from madlc.core.assembly.assemble import assemble_frames
        from madlc.stages._settings import assembly_settings as compose_assembly, inference_settings

        if "full" not in self._state:
            self._state["full"] = _load("montblanc_full.pickle")
            self._state["tiled"] = tile_frames(self._state["full"], self.tile)
            self._state["meta"] = _load("montblanc_meta.pickle")
            for name in ("montblanc_full.pickle", "montblanc_meta.pickle"):
                shutil.copy(DATA / name, self.workdir / name)
        full, meta = self._state["full"], self._state["meta"]
        t0 = time.perf_counter()
        result = assemble_frames(self._state["tiled"], assembly_settings(full["metadata"], 3))
        out.setdefault("core", []).append(time.perf_counter() - t0)
        with contextlib.redirect_stderr(io.StringIO()):  # its progress bar (timed, not shown)
            t0 = time.perf_counter()
            madlc.assemble(str(self.workdir / "montblanc_full.pickle"), output=str(self.workdir / "madlc_asm.pickle"),
                           overrides=ASSEMBLE_OVERRIDES)
            out.setdefault("public", []).append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        compose_assembly(inference_settings(None, ASSEMBLE_OVERRIDES), full["metadata"], meta, 4, None)
        out.setdefault("compose", []).append(time.perf_counter() - t0)
        out["n_animals"] = sum(len(v) for k, v in result.items() if k != "single")

    def tracking(self, out: dict) -> None:
        from madlc.core.tracking.trackers import TrackerConfig, track_assemblies
        from madlc.io.assemblies import read_assemblies

        if "assemblies" not in self._state:
            self._state["assemblies"] = read_assemblies(DATA / "montblanc_assemblies.pickle")
        for method in METHODS:
            cfg = TrackerConfig(method=method, max_age=1, min_hits=1, pcutoff=0.1)
            entry = out.setdefault(method, {"times": []})
            t0 = time.perf_counter()
            tracklets = track_assemblies(self._state["assemblies"], cfg, N_FRAMES)
            entry["times"].append(time.perf_counter() - t0)
            entry["n_tracklets"] = len(tracklets)
            entry["lengths"] = sorted((len(v) for v in tracklets.values()), reverse=True)

    def stitching(self, out: dict) -> None:
        from madlc.core.tracking.stitch import StitchConfig, stitch_tracklets_array
        from madlc.io.tracklets import read_tracklets

        if "tracklets" not in self._state:
            data = read_tracklets(DATA / "montblanc_tracklets.pickle")
            self._state["tracklets"] = {k: v for k, v in data.items() if k not in ("header", "single")}
        t0 = time.perf_counter()
        tracks, _ = stitch_tracklets_array(self._state["tracklets"], 3, StitchConfig(), n_frames=N_FRAMES)
        out.setdefault("times", []).append(time.perf_counter() - t0)
        out["tracks"] = tracks

    def analysis(self, out: dict) -> None:
        """analyze_video with a random-init resnet_50 shuffle of the synthetic project; the network alone."""
        import torch

        from madlc.stages.analyze_videos import analyze_video

        if "model" not in self._state:
            self._state["model"], out["n_params"] = _madlc_resnet50(*self.analysis_inputs)
            analyze_video(self.analysis_inputs[1], self._state["model"], self.batch, self.workdir / "warm",
                          analyze={"chunk_size": 100}, progress=False)
        model = self._state["model"]
        t0 = time.perf_counter()
        res = analyze_video(self.analysis_inputs[1], model, self.batch, self.workdir / "madlc_analysis",
                            analyze={"chunk_size": 100}, progress=False, overwrite=True)
        out.setdefault("times", []).append(time.perf_counter() - t0)
        out["n_frames"] = res.nframes
        width, height = (int(v) for v in self.analysis_inputs[2].split("x"))
        frames = torch.randint(0, 255, (res.nframes, height, width, 3), dtype=torch.uint8)
        with torch.inference_mode():
            t0 = time.perf_counter()
            for start in range(0, len(frames), self.batch):
                maps = model.forward(frames[start:start + self.batch])
            _ = maps["heatmap"].sum().item()
            out.setdefault("forward", []).append(time.perf_counter() - t0)


def _madlc_resnet50(config: str, video: Path, size: str):
    """A resnet_50 shuffle of the project with a random-init snapshot; (LoadedModel, parameter count)."""
    import torch

    import madlc
    from madlc.nn.inference.model import load_inference_model
    from madlc.nn.models import build_model_quiet
    from madlc.nn.models.config import load_pytorch_config
    from madlc.project.config import load_config
    from madlc.project.paths import model_folder, snapshot_filename

    torch.manual_seed(0)
    madlc.create_multianimaltraining_dataset(config, net_type="resnet_50")
    cfg = load_config(config)
    folder = model_folder(cfg)
    net = build_model_quiet(load_pytorch_config(folder))
    torch.save({"model": net.state_dict()}, folder / "train" / snapshot_filename(0))
    torch.set_num_threads(1)
    return load_inference_model(cfg, device="cpu"), sum(p.numel() for p in net.parameters())


def make_analysis_inputs(workdir: Path, frames: int, size: str) -> tuple[str, Path, str]:
    """A synthetic project (3 animals, 4 parts) and a video of ``frames`` frames; (config, video, size)."""
    import madlc
    from madlc.synth.video import write_synthetic_video

    config = madlc.synth_project(str(workdir / "proj"), animals=3, bodyparts=4, frames=20, size=size,
                                 labeled_frames=6)
    video = workdir / "bench.mp4"
    write_synthetic_video(video, 3, 4, frames, size, seed=1)
    return config, video, size


# ----------------------------------------------------------- DeepLabCut's side


class DeepLabCutSide:
    """DeepLabCut's runs: one long-lived worker process in its venv (imported once), one request per run."""

    def __init__(self, workdir: Path, analysis_inputs: tuple[str, Path, str] | None, batch: int, tile: int) -> None:
        python = VENV / "bin" / "python"
        if not python.exists():
            raise SystemExit(f"DeepLabCut 3.0.2 venv not found at {VENV}: make it with .ci/dlc_env.sh "
                             "or point MADLC_DLC_VENV at one")
        self.workdir = workdir
        self.results: dict = {}
        self.args: dict = {
            "assembly": dict(full=str(DATA / "montblanc_full.pickle"), eval=str(DATA / "montblanc_eval.pickle"),
                             output=str(workdir / "dlc_asm.pickle"), tile=tile),
            "tracking": dict(assemblies=str(DATA / "montblanc_assemblies.pickle"), methods=list(METHODS),
                             n_frames=N_FRAMES),
            "stitching": dict(tracklets=str(DATA / "montblanc_tracklets.pickle"), n_tracks=3),
        }
        if analysis_inputs:
            config, video, size = analysis_inputs
            (workdir / "dlc_analysis").mkdir(exist_ok=True)
            width, height = (int(v) for v in size.split("x"))
            self.args["analysis"] = dict(config=config, video=str(video), workdir=str(workdir / "dlc_analysis"),
                                         batch=batch, width=width, height=height)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(DLClight="True", MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.log = open(workdir / "dlc_worker.log", "w")
        self.proc = subprocess.Popen([str(python), str(WORKER)], env=env, cwd=str(workdir), text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.version = self._reply()["ready"]

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.log.flush()
            raise SystemExit("DeepLabCut's worker stopped:\n" + (self.workdir / "dlc_worker.log").read_text()[-4000:])
        reply = json.loads(line)
        if "error" in reply:
            raise SystemExit(f"DeepLabCut's side failed: {reply['error']}\n{reply['traceback']}")
        return reply

    def run(self, part: str) -> None:
        out = self.workdir / f"dlc_{part}.pickle"
        self.proc.stdin.write(json.dumps({"part": part, "args": self.args[part], "out": str(out)}) + "\n")
        self.proc.stdin.flush()
        self._reply()
        with open(out, "rb") as fh:
            result = pickle.load(fh)
        _accumulate(self.results.setdefault(part, {}), result)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.log.close()


def _accumulate(store: dict, result: dict) -> None:
    """Timings (``seconds``, ``forward_seconds``) gather into lists; everything else keeps the latest value."""
    for key, value in result.items():
        if key in ("seconds", "forward_seconds", "file_seconds"):
            store.setdefault(key, []).append(value)
        elif isinstance(value, dict):
            _accumulate(store.setdefault(key, {}), value)
        else:
            store[key] = value


# ------------------------------------------------------------------- report


def _row(label: str, ours: str, theirs: str, ratio: float | str) -> None:
    ratio_text = f"{ratio:.2f}" if isinstance(ratio, float) else ratio
    print(f"{label:<46}{ours:>22}{theirs:>22}{ratio_text:>8}")


def _header(title: str) -> None:
    print(f"\n== {title} ==")
    _row("", "madlc", "DeepLabCut 3.0.2", "ratio")


def report_assembly(mine: dict, theirs: dict) -> None:
    from madlc.core.metrics.oks import oks_map

    fps = lambda t: N_FRAMES / t  # noqa: E731
    dlc_t = _best(theirs["seconds"])
    core, public, compose = _best(mine["core"]), _best(mine["public"]), _best(mine["compose"])
    tiled = theirs["n_frames"]
    _header(f"assembly: montblanc_full.pickle (best of {len(mine['core'])} / {len(theirs['seconds'])})")
    _row(f"in memory, {tiled} frames (180 x {tiled // N_FRAMES}), frames/s", f"{tiled / core:.0f}",
         f"{tiled / dlc_t:.0f}", dlc_t / core)
    dlc_file = _best(theirs["file_seconds"])
    _row(f"file->file, the {N_FRAMES}-frame file, frames/s", f"{fps(public):.0f}", f"{fps(dlc_file):.0f}", dlc_file / public)
    _row("  of which settings composition, s", f"{compose:.3f}", "", "")
    _row("  file->file less the composition, frames/s", f"{fps(public - compose):.0f}", f"{fps(dlc_file):.0f}",
         dlc_file / (public - compose))
    _row("  madlc.assemble's first call (cold), s", f"{mine['public'][0]:.3f}", "", "")
    _row("animals found (in memory run)", f"{mine['n_animals']}", f"{theirs['n_animals']}", "")

    gt = list(np.load(DATA / "montblanc_eval_gt.npy"))
    saved = oks_map(list(np.load(DATA / "montblanc_eval_assemblies_dlc.npy")),
                    list(np.load(DATA / "montblanc_eval_affinity_dlc.npy")), gt, sigma=0.1)
    live = oks_map(theirs["eval_preds"], theirs["eval_scores"], gt, sigma=0.1)
    preds, scores = madlc_eval_assembly()
    ours = oks_map(preds, scores, gt, sigma=0.1)
    print(f"accuracy, 30 labelled images (up to 8 animals, OKS sigma 0.1, madlc's metric code for both; "
          f"DeepLabCut's saved assemblies score mAP {saved['mAP']:.4f} / mAR {saved['mAR']:.4f}):")
    _row("OKS-mAP", f"{ours['mAP']:.4f}", f"{live['mAP']:.4f}", ours["mAP"] / live["mAP"])
    _row("OKS-mAR", f"{ours['mAR']:.4f}", f"{live['mAR']:.4f}", ours["mAR"] / live["mAR"])


def report_tracking(mine: dict, theirs: dict) -> None:
    _header(f"tracking: montblanc_assemblies.pickle -> tracklets, {N_FRAMES} frames, frames/s")
    for method in METHODS:
        m, t = mine[method], theirs[method]
        _row(f"{method}", f"{N_FRAMES / _best(m['times']):.0f}", f"{N_FRAMES / _best(t['seconds']):.0f}",
             _best(t["seconds"]) / _best(m["times"]))
        print(f"   tracklets: madlc {m['n_tracklets']} (longest {m['lengths'][:4]}), "
              f"DeepLabCut {t['n_tracklets']} (longest {t['lengths'][:4]})")
        if t.get("error"):
            print(f"   DeepLabCut's {method} tracker fails as convert_detections2tracklets calls it (all 5 joints, "
                  f"the unique one included): {t['error']}; timed on the 4 multi-animal joints instead")


def report_stitching(mine: dict, theirs: dict) -> None:
    from madlc.core.metrics.tracking import tracking_metrics
    from madlc.io.tracks import read_tracks, tracks_to_array

    ref, _, individuals, _ = tracks_to_array(read_tracks(DATA / "montblanc_tracks.h5"))
    ref = ref[:, [i for i, name in enumerate(individuals) if name != "single"], :4]
    _header("stitching: montblanc_tracklets.pickle (4 ellipse tracklets) -> 3 tracks, seconds")
    dlc_ok = not theirs["error"]
    dlc_s = _best(theirs["seconds"])
    _row("seconds (completes?)", f"{_best(mine['times']):.3f} (yes)",
         f"{dlc_s:.3f} (yes)" if dlc_ok else f"fails: {theirs['error'][:40]}",
         dlc_s / _best(mine["times"]) if dlc_ok else "-")
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    m = tracking_metrics(mine["tracks"], ref)
    d = tracking_metrics(theirs["tracks"], ref) if dlc_ok else {"idf1": float("nan"), "num_switches": 0}
    _row("IDF1 vs montblanc_tracks.h5 (agreement)", f"{m['idf1']:.4f}", f"{d['idf1']:.4f}", m["idf1"] / d["idf1"])
    _row("ID switches vs montblanc_tracks.h5", f"{m['num_switches']}", f"{d['num_switches']}", "")


def report_analysis(mine: dict, theirs: dict, size: str, batch: int) -> None:
    _header(f"analysis: resnet_50 (random init, each program's own), {mine['n_frames']} frames {size}, CPU, "
            f"batch {batch}, frames/s")
    ours = mine["n_frames"] / _best(mine["times"])
    dlc = theirs["n_frames"] / _best(theirs["seconds"])
    _row("video analysis (decode + network + post)", f"{ours:.1f}", f"{dlc:.1f}", ours / dlc)
    ours_f = mine["n_frames"] / _best(mine["forward"])
    dlc_f = theirs["n_frames"] / _best(theirs["forward_seconds"])
    _row("network forward alone", f"{ours_f:.1f}", f"{dlc_f:.1f}", ours_f / dlc_f)
    _row("analysis / forward", f"{ours / ours_f:.2f}", f"{dlc / dlc_f:.2f}", "")
    print(f"   parameters: madlc {mine['n_params'] / 1e6:.1f} M, DeepLabCut {theirs['n_params'] / 1e6:.1f} M; "
          f"torch threads: DeepLabCut {theirs['threads']}, madlc 1")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="assembly,tracking,stitching,analysis")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per part and side (best is reported)")
    ap.add_argument("--tile", type=int, default=5,
                    help="assembly speed: montblanc's 180 frames repeated this many times (a longer video)")
    ap.add_argument("--frames", type=int, default=32, help="analysis: video length")
    ap.add_argument("--size", default="160x120", help="analysis: frame size")
    ap.add_argument("--batch", type=int, default=8, help="analysis: batch size")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - {"assembly", "tracking", "stitching", "analysis"}
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)}")
    if not DATA.exists():
        raise SystemExit(f"DeepLabCut's montblanc files not found in {DATA}")
    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("note: OMP_NUM_THREADS is not 1 here; DeepLabCut's side runs with 1 thread", file=sys.stderr)
    import logging

    import torch

    torch.set_num_threads(1)
    logging.getLogger("madlc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="madlc_dlc_bench_") as tmp:
        workdir = Path(tmp)
        inputs = make_analysis_inputs(workdir, args.frames, args.size) if "analysis" in parts else None
        mine = MadlcSide(workdir, inputs, args.batch, args.tile)
        theirs = DeepLabCutSide(workdir, inputs, args.batch, args.tile)
        try:
            for round_ in range(args.repeats):  # alternate, and swap who goes first: both see the same load
                for part in parts:
                    sides = (mine, theirs) if round_ % 2 == 0 else (theirs, mine)
                    for side in sides:
                        side.run(part)
        finally:
            theirs.close()
        mine, version, theirs = mine.results, theirs.version, theirs.results
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"madlc vs DeepLabCut {version} in the same sitting; 1 thread each; load average {load:.1f}; "
          f"ratio = madlc / DeepLabCut (speed: > 1 means madlc is faster)")
    if "assembly" in parts:
        report_assembly(mine["assembly"], theirs["assembly"])
    if "tracking" in parts:
        report_tracking(mine["tracking"], theirs["tracking"])
    if "stitching" in parts:
        report_stitching(mine["stitching"], theirs["stitching"])
    if "analysis" in parts:
        report_analysis(mine["analysis"], theirs["analysis"], args.size, args.batch)
    print(f"\n({time.perf_counter() - t_start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

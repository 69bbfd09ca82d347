"""Video analysis pipeline: streamed part files, resume, final pickles, damaged videos (stand-in network)."""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from madlc.errors import ConfigError, VideoError  # noqa: E402
from madlc.project.discovery import list_videos  # noqa: E402
from madlc.stages.analyze_videos import analyze_video  # noqa: E402
from madlc.nn.inference.model import LoadedModel, check_bodyparts  # noqa: E402
from madlc.nn.inference.predict import InferenceSettings, predict_images  # noqa: E402
from madlc.io.part_store import PartStore, parts_folder, stream_pickle_dict  # noqa: E402

torch.set_num_threads(1)


def fake_forward(batch):
    """Maps from pixels: heatmap j = pooled colour channel j (bright blobs -> peaks), unit PAFs, 2 identities."""
    x = batch.permute(0, 3, 1, 2).float() / 255
    pooled = torch.nn.functional.avg_pool2d(x, 8, ceil_mode=True)  # (B, 3, h, w)
    heat = pooled[:, :2]
    B, _, h, w = heat.shape
    paf = torch.stack([pooled[:, 2], 1 - pooled[:, 2]], 1)
    ident = torch.softmax(torch.stack([pooled[:, 0], pooled[:, 1]], 1), 1)
    return {"heatmap": heat, "locref": torch.zeros(B, 4, h, w), "paf": paf, "identity": ident}


def fake_model(tmp_path: Path) -> LoadedModel:
    settings = InferenceSettings(num_joints=2, all_joints_names=["a", "b"], nms_radius=3, min_confidence=0.2,
                                 graph=[[0, 1]])
    return LoadedModel(fake_forward, settings, "DLC_Fake_TestJan1shuffle1_snapshot_5", "fake",
                       tmp_path / "snapshot-005.pt", tmp_path, {"net_type": "fake"}, {"nmsradius": 3}, "cpu")


def write_video(path: Path, n: int = 50, size=(64, 48), codec="mp4v") -> list[np.ndarray]:
    from madlc.video.writer import VideoWriter

    rng = np.random.default_rng(1)
    frames = []
    with VideoWriter(path, 30, size, codec=codec) as w:
        for t in range(n):
            f = np.zeros((size[1], size[0], 3), np.uint8)
            for k in range(2):
                x, y = rng.integers(4, size[0] - 12), rng.integers(4, size[1] - 12)
                f[y:y + 8, x:x + 8, k] = 250
            f[:, :, 2] = 40
            w.write(f)
            frames.append(f)
    return frames


def frames_equal(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        fa, fb = a[key], b[key]
        if key == "metadata":
            if fa != fb:
                return False
            continue
        for j in range(len(fa["coordinates"][0])):
            if not np.array_equal(fa["coordinates"][0][j], fb["coordinates"][0][j]):
                return False
            if not np.array_equal(fa["confidence"][j], fb["confidence"][j]):
                return False
        for e in fa["costs"]:
            if not np.array_equal(fa["costs"][e]["m1"], fb["costs"][e]["m1"]):
                return False
    return True


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vid")
    path = folder / "clip.mp4"
    write_video(path, 50)
    return path


def test_analyze_video_outputs(video, tmp_path):
    from madlc.io import read_full_pickle, read_meta_pickle
    from madlc.video.reader import VideoReader

    model = fake_model(tmp_path)
    res = analyze_video(video, model, batch_size=4, destfolder=tmp_path, analyze={"chunk_size": 16}, progress=False)
    assert res.full_pickle.name == "clipDLC_Fake_TestJan1shuffle1_snapshot_5_full.pickle"
    assert res.nframes == 50 and res.analyzed == 50 and res.missing == []
    assert not parts_folder(res.full_pickle).exists()
    data = read_full_pickle(res.full_pickle)
    assert data["metadata"]["nframes"] == 50 and data["metadata"]["PAFgraph"] == [[0, 1]]
    assert data["metadata"]["nms radius"] == 3.0 and data["metadata"]["all_joints_names"] == ["a", "b"]
    keys = [k for k in data if k != "metadata"]
    assert keys == [f"frame{i:02d}" for i in range(50)]
    # same detections as predict_images on the decoded frames
    with VideoReader(video) as reader:
        frames = [f for _, f in reader.frames()]
    expected = predict_images(model, frames, model.settings, batch_size=7)
    for i in (0, 17, 49):
        got = data[f"frame{i:02d}"]
        for j in range(2):
            np.testing.assert_array_equal(got["coordinates"][0][j], expected[i]["coordinates"][0][j])
        np.testing.assert_array_equal(got["costs"][0]["m1"], expected[i]["costs"][0]["m1"])
        assert [a.shape[1] for a in got["identity"]] == [2, 2]
    assert sum(len(data[k]["coordinates"][0][0]) for k in keys) > 0
    meta = read_meta_pickle(res.meta_pickle)["data"]
    assert meta["Scorer"] == model.scorer and meta["nframes"] == 50 and meta["frame_dimensions"] == (64, 48)
    # second call: kept
    again = analyze_video(video, model, batch_size=4, destfolder=tmp_path, progress=False)
    assert again.skipped


def test_resume_after_interruption(video, tmp_path):
    model = fake_model(tmp_path)
    ref_dir, run_dir = tmp_path / "ref", tmp_path / "run"
    ref = analyze_video(video, model, batch_size=3, destfolder=ref_dir, analyze={"chunk_size": 10}, progress=False)

    written = []

    def interrupt(start, stop):
        written.append((start, stop))
        if len(written) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        analyze_video(video, model, batch_size=3, destfolder=run_dir, analyze={"chunk_size": 10},
                      on_part=interrupt, progress=False)
    full = run_dir / ref.full_pickle.name
    assert not full.exists()
    parts = sorted(p.name for p in parts_folder(full).glob("part-*.pickle"))
    assert parts == ["part-000000000-000000010.pickle", "part-000000010-000000020.pickle"]
    resumed = []
    res = analyze_video(video, model, batch_size=3, destfolder=run_dir, analyze={"chunk_size": 10},
                        on_part=lambda a, b: resumed.append((a, b)), progress=False)
    assert resumed == [(20, 30), (30, 40), (40, 50)]
    assert res.analyzed == 30
    with open(ref.full_pickle, "rb") as fa, open(res.full_pickle, "rb") as fb:
        assert frames_equal(pickle.load(fa), pickle.load(fb))


def test_parts_of_other_settings_are_discarded(tmp_path):
    target = tmp_path / "x_full.pickle"
    store = PartStore(target, {"scorer": "A"})
    store.write(0, 10, {i: {"i": i} for i in range(10)})
    assert PartStore(target, {"scorer": "A"}).done() == [(0, 10)]
    assert PartStore(target, {"scorer": "B"}).done() == []
    assert store.todo(25) == [(0, 25)]


def test_stream_pickle_dict_is_a_plain_dict(tmp_path):
    items = {"metadata": {"nframes": 3, "PAFinds": np.arange(2)}}
    items.update({f"frame{i}": {"coordinates": ([np.full((2, 2), i, np.float64)],),
                                "confidence": [np.ones((2, 1), np.float32)], "costs": None} for i in range(3)})
    path = stream_pickle_dict(iter(items.items()), tmp_path / "s.pickle")
    raw = path.read_bytes()
    assert b"numpy._core" not in raw and b"_LazyDict" not in raw  # loads under numpy 1.26 / plain pickle
    back = pickle.loads(raw)
    assert type(back) is dict and list(back) == list(items)
    np.testing.assert_array_equal(back["frame2"]["coordinates"][0][0], np.full((2, 2), 2.0))
    assert back["frame1"]["confidence"][0].dtype == np.float32 and back["frame1"]["confidence"][0].flags.writeable


def test_corrupt_frame_mid_video_is_marked_missing(tmp_path):
    path = tmp_path / "bad.avi"
    write_video(path, 30, codec="MJPG")
    data = bytearray(path.read_bytes())
    jpegs = [i for i in range(len(data) - 3) if data[i:i + 3] == b"\xff\xd8\xff"]  # one JPEG per frame
    assert len(jpegs) == 30
    data[jpegs[12]:jpegs[13] - 16] = bytes(jpegs[13] - 16 - jpegs[12])  # wipe frame 12's picture
    path.write_bytes(bytes(data))
    model = fake_model(tmp_path)
    with pytest.warns(UserWarning, match="could not be decoded"):
        res = analyze_video(path, model, batch_size=4, destfolder=tmp_path, progress=False)
    assert res.missing == [12]
    with open(res.full_pickle, "rb") as fh:
        data = pickle.load(fh)
    assert "frame12" not in data and data["metadata"]["nframes"] == 30
    assert [k for k in data if k != "metadata"] == [f"frame{i:02d}" for i in range(30) if i != 12]
    meta = pickle.loads(res.meta_pickle.read_bytes())["data"]
    assert meta["missing_frames"] == [12]


def test_undecodable_video_raises_clear_error(tmp_path):
    bad = tmp_path / "junk.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    with pytest.raises(VideoError, match="junk.mp4"):
        analyze_video(bad, fake_model(tmp_path), progress=False)


def test_variable_frame_rate_video(tmp_path):
    av = pytest.importorskip("av")
    from fractions import Fraction

    path = tmp_path / "vfr.mp4"
    n = 40
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for t in range(n):
            img = np.zeros((48, 64, 3), np.uint8)
            img[10:20, (t % 50):(t % 50) + 8, 0] = 250
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += 10 if t % 2 else 70  # 100 fps and ~14 fps alternating
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    res = analyze_video(path, fake_model(tmp_path), batch_size=4, destfolder=tmp_path, progress=False)
    with open(res.full_pickle, "rb") as fh:
        data = pickle.load(fh)
    present = [k for k in data if k != "metadata"]
    assert len(present) == n and res.nframes >= n


@pytest.mark.parametrize("announced", [23, 57])
def test_wrong_announced_frame_count(video, tmp_path, monkeypatch, announced):
    """Containers of variable-frame-rate videos may under- or over-count frames."""
    import dataclasses

    import madlc.video.reader as reader_mod

    real = reader_mod.video_info
    monkeypatch.setattr(reader_mod, "video_info", lambda p: dataclasses.replace(real(p), nframes=announced))
    ctx = pytest.warns(UserWarning, match="could not be decoded") if announced > 50 else _no_warning()
    with ctx:
        res = analyze_video(video, fake_model(tmp_path), batch_size=4, destfolder=tmp_path,
                            analyze={"chunk_size": 10}, progress=False)
    with open(res.full_pickle, "rb") as fh:
        data = pickle.load(fh)
    frames = [k for k in data if k != "metadata"]
    assert len(frames) == 50  # every real frame analysed
    assert res.nframes == data["metadata"]["nframes"] == max(50, announced)
    assert res.missing == list(range(50, announced))


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_list_videos_and_overrides(tmp_path):
    for name in ("a.mp4", "b.MP4", "c.avi", "aDLC_x_labeled.mp4"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_videos([tmp_path], ".mp4")] == ["a.mp4", "b.MP4"]
    assert [p.name for p in list_videos([tmp_path / "c.avi", tmp_path], "avi")] == ["c.avi"]
    with pytest.raises(VideoError, match="nothere"):
        list_videos([tmp_path / "nothere.mp4"], must_exist=True)
    from madlc.config import stage_settings

    s = stage_settings("analyze_videos", None, ["inference.nmsradius=3", "analyze.chunk_size=20"])
    assert s["inference"]["nmsradius"] == 3 and s["analyze"]["chunk_size"] == 20
    with pytest.raises(ConfigError, match="analyze.nope"):
        stage_settings("analyze_videos", None, ["analyze.nope=1"])


def test_snapshot_from_another_project_is_refused():
    cfg = {"multianimalproject": True, "multianimalbodyparts": ["head", "tail"], "uniquebodyparts": []}
    model_cfg = {"metadata": {"bodyparts": ["snout", "tailbase"], "unique_bodyparts": []},
                 "shape": {"num_joints": 2}}
    with pytest.raises(ConfigError, match="trained on the body parts"):
        check_bodyparts(cfg, model_cfg, Path("snapshot-010.pt"))
    model_cfg["metadata"]["bodyparts"] = ["head", "tail"]
    check_bodyparts(cfg, model_cfg, Path("snapshot-010.pt"))


def test_full_pickle_loads_under_numpy_1(video, tmp_path):
    """The streamed _full.pickle opens with plain pickle under numpy<2 (DeepLabCut 3.0.x)."""
    import os
    import subprocess

    venv = Path(os.environ.get("MADLC_COMPAT_VENV", Path.home() / ".cache" / "madlc-compat-venv"))
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"compat venv {venv} (numpy<2) not found: run .ci/compat_env.sh to enable this check")
    res = analyze_video(video, fake_model(tmp_path), batch_size=8, destfolder=tmp_path, progress=False)
    script = ("import pickle, sys, numpy; d = pickle.load(open(sys.argv[1], 'rb')); "
              "f = d['frame07']; assert numpy.__version__ < '2'; "
              "print(len(d), d['metadata']['nframes'], f['coordinates'][0][0].dtype, f['costs'][0]['m1'].shape[0] "
              "== len(f['coordinates'][0][0]))")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", script, str(res.full_pickle)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["51", "50", "float64", "True"]


def test_writer_chunks_follow_ranges_and_extra_frames():
    from madlc.nn.inference.run import Writer as _Writer

    class Store:
        def __init__(self):
            self.parts = []

        def write(self, start, stop, frames, missing):
            self.parts.append((start, stop, sorted(frames), list(missing)))

    store = Store()
    writer = _Writer(store, None, [(0, 25), (40, 60)], 10, None)
    writer._flush(12)
    assert [p[:2] for p in store.parts] == [(0, 10)]
    writer.missing.update({41})
    writer._flush(45)
    assert [p[:2] for p in store.parts] == [(0, 10), (10, 20), (20, 25)]
    writer._flush(63)  # 3 frames past the announced end
    writer._flush(63, final=True)
    writer.abort()
    assert [p[:2] for p in store.parts] == [(0, 10), (10, 20), (20, 25), (40, 50), (50, 60), (60, 63)]
    assert store.parts[3][3] == [41]
    holes = PartStore.__new__(PartStore)
    holes.done = lambda: [(0, 10), (20, 30)]
    assert holes.todo(35) == [(10, 20), (30, 35)]

"""GUI server API (no browser): labels autosave, config edits, extraction, refinement, safety."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from madlc.webapp.server import create_app, serve_page, start_server  # noqa: E402

TRACKS_NAME = "synth0DLC_Resnet50_synthNov24shuffle1_snapshot_010_el.h5"


def client(config: str | None, **kwargs) -> TestClient:
    """A test client of a fresh app that sends the app's token (as the pages do)."""
    return app_client(create_app(config, **kwargs))


def app_client(app) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", headers={"x-madlc-token": app.state.token})


def labels_h5(config: str) -> Path:
    return Path(config).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5"


def make_tracks(config: str, name: str = TRACKS_NAME) -> Path:
    """A stitched-tracks file for the synthetic video: its ground truth under a network scorer."""
    from madlc.io.tracks_array import load_tracks, save_tracks

    root = Path(config).parent
    tracks = load_tracks(root / "ground-truth" / "synth0_gt.h5")
    tracks.scorer = "DLC_Resnet50_synthNov24shuffle1_snapshot_010"
    return save_tracks(tracks, root / "videos" / name)


def read_tracks_array(path: Path) -> tuple[np.ndarray, list[str]]:
    from madlc.io.tracks_array import load_tracks

    t = load_tracks(path)
    return t.data, t.individuals


# ---------------------------------------------------------------- labeling
def test_label_edit_is_saved_at_once_with_one_backup(synth_project_small_copy):
    config = synth_project_small_copy
    h5 = labels_h5(config)
    original = pd.read_hdf(h5)
    c = client(config)
    data = c.get("/api/label/synth0/data").json()
    assert data["individuals"] == ["animal1", "animal2", "animal3"]
    assert data["multi_bodyparts"] == ["snout", "neck", "back", "tailbase"]
    image = data["images"][0]
    assert set(data["labels"][image]) == {"animal1", "animal2", "animal3"}

    r = c.post("/api/label/synth0/point", json={"image": image, "individual": "animal2", "bodypart": "neck",
                                                "x": 12.25, "y": 40.5})
    assert r.status_code == 200, r.text
    df = pd.read_hdf(h5)  # on disk right after the request: nothing waits for a "save"
    row = ("labeled-data", "synth0", image)
    assert df.loc[row, ("synth", "animal2", "neck", "x")] == 12.25
    assert df.loc[row, ("synth", "animal2", "neck", "y")] == 40.5
    csv = pd.read_csv(h5.with_suffix(".csv"), header=[0, 1, 2, 3], index_col=[0, 1, 2])
    assert csv.loc[row, ("synth", "animal2", "neck", "x")] == 12.25
    assert list(df.columns.names) == ["scorer", "individuals", "bodyparts", "coords"]
    # the file as it was before the session is kept, and a second edit does not replace that backup
    c.post("/api/label/synth0/point", json={"image": image, "individual": "animal2", "bodypart": "neck", "x": None, "y": None})
    backup = pd.read_hdf(h5.with_name(h5.name + ".bak"))
    pd.testing.assert_frame_equal(backup, original)
    df = pd.read_hdf(h5)
    assert np.isnan(df.loc[row, ("synth", "animal2", "neck", "x")])
    # everything else untouched
    other = [c for c in df.columns if c[1:3] != ("animal2", "neck")]
    pd.testing.assert_frame_equal(df[other], original[other])


def test_label_unknown_part_or_image_is_refused(synth_project_small_copy):
    c = client(synth_project_small_copy)
    image = c.get("/api/label/synth0/data").json()["images"][0]
    r = c.post("/api/label/synth0/point", json={"image": image, "individual": "animal9", "bodypart": "snout", "x": 1, "y": 2})
    assert r.status_code == 400 and "animal9" in r.json()["detail"]
    r = c.post("/api/label/synth0/point", json={"image": "img999.png", "individual": "animal1", "bodypart": "snout", "x": 1, "y": 2})
    assert r.status_code == 400 and "img999.png" in r.json()["detail"]


def test_new_body_part_in_config_extends_existing_labels(synth_project_small_copy):
    config = synth_project_small_copy
    c = client(config)
    r = c.post("/api/project/config", json={"edits": {"multianimalbodyparts": ["snout", "neck", "back", "tailbase", "tailtip"]}})
    assert r.status_code == 200, r.text
    data = c.get("/api/label/synth0/data").json()
    assert data["multi_bodyparts"][-1] == "tailtip" and "tailtip" in data["colors"]
    image = data["images"][1]
    c.post("/api/label/synth0/point", json={"image": image, "individual": "animal1", "bodypart": "tailtip", "x": 5, "y": 6})
    df = pd.read_hdf(labels_h5(config))
    assert ("synth", "animal3", "tailtip", "y") in df.columns
    assert df[("synth", "animal1", "tailtip", "x")].notna().sum() == 1
    assert df[("synth", "animal1", "snout", "x")].notna().sum() > 10  # old labels kept
    # the new part sits after the old ones of the same individual (DeepLabCut's column order)
    parts = [bp for ind, bp in dict.fromkeys((col[1], col[2]) for col in df.columns) if ind == "animal1"]
    assert parts == ["snout", "neck", "back", "tailbase", "tailtip"]


def test_config_errors_are_returned_to_the_page(synth_project_small_copy):
    c = client(synth_project_small_copy)
    r = c.post("/api/project/config", json={"edits": {"individuals": ["mouse 1", "mouse2"]}})
    assert r.status_code == 400 and "space" in r.json()["detail"]
    r = c.post("/api/project/config", json={"edits": {"skeleton": [["snout", "wing"]]}})
    assert r.status_code == 400 and "wing" in r.json()["detail"]
    assert c.get("/api/project").json()["fields"]["individuals"] == ["animal1", "animal2", "animal3"]


def test_tracker_field_shows_and_writes_where_each_program_reads_it(synth_project_small_copy):
    """The Tracker field shows the tracker the project uses; auto goes to madlc.yaml, a named one to
    config.yaml (DeepLabCut reads it) with madlc.yaml's choice cleared, so both programs agree."""
    from madlc.io import read_config
    from madlc.project.config import load_config
    from madlc.project.discovery import resolve_track_method

    config = synth_project_small_copy
    settings = Path(config).parent / "madlc.yaml"
    c = client(config)
    assert c.get("/api/project").json()["fields"]["track_method"] == "auto"  # what madlc writes for a new project
    r = c.post("/api/project/config", json={"edits": {"track_method": "box"}})
    assert r.status_code == 200, r.text
    assert r.json()["fields"]["track_method"] == "box" and read_config(config)["default_track_method"] == "box"
    assert resolve_track_method(load_config(config)) == "box"
    assert "crop_size" in settings.read_text()  # the rest of madlc.yaml is kept
    r = c.post("/api/project/config", json={"edits": {"track_method": "auto"}})
    assert r.json()["fields"]["track_method"] == "auto" and read_config(config)["default_track_method"] == "box"
    r = c.post("/api/project/config", json={"edits": {"track_method": "kalman"}})
    assert r.status_code == 400 and "auto, ellipse, box, skeleton" in r.json()["detail"]


def test_project_summary_open_and_create(tmp_path, synth_project_small):
    c = client(None)
    assert c.get("/api/project").json() == {"open": False}
    assert c.get("/api/label/folders").status_code == 409
    r = c.post("/api/project/open", json={"config": str(tmp_path / "nope" / "config.yaml")})
    assert r.status_code == 400 and "config.yaml" in r.json()["detail"]
    video = Path(synth_project_small).parent / "videos" / "synth0.mp4"
    r = c.post("/api/project/create", json={"project": "mice", "experimenter": "ann", "videos": [str(video)],
                                            "working_directory": str(tmp_path)})
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["open"] and p["task"] == "mice" and p["videos"] == ["synth0.mp4"]
    assert Path(p["config_path"]).exists()


# ---------------------------------------------------------------- extraction
def test_grab_frames_into_labeled_data(synth_project_small_copy):
    from madlc.project.paths import image_name
    from madlc.video.reader import VideoReader

    config = synth_project_small_copy
    folder = Path(config).parent / "labeled-data" / "synth0"
    c = client(config)
    videos = c.get("/api/videos").json()["videos"]
    assert videos[0]["name"] == "synth0.mp4" and videos[0]["nframes"] == 100
    free = [i for i in range(100) if i not in videos[0]["extracted"]]
    r = c.post("/api/extract/grab", json={"video": "synth0.mp4", "start": free[0], "stop": free[0] + 4, "step": 2})
    assert r.status_code == 200, r.text
    names = [image_name(i, 100) for i in range(free[0], free[0] + 5, 2)]
    assert set(r.json()["written"]) | set(r.json()["skipped"]) == set(names)
    import cv2
    with VideoReader(Path(config).parent / "videos" / "synth0.mp4") as reader:
        expected = reader.read(free[0])
    saved = cv2.cvtColor(cv2.imread(str(folder / names[0])), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(saved, expected)  # PNG: lossless, the decoded frame itself
    # grabbing again never overwrites; the labeling page sees the new frame (all NaN)
    again = c.post("/api/extract/grab", json={"video": "synth0.mp4", "start": free[0]}).json()
    assert again["written"] == [] and again["skipped"] == [names[0]]
    data = c.get("/api/label/synth0/data").json()
    assert names[0] in data["images"] and data["labels"][names[0]] == {}
    frame = c.get(f"/api/video/synth0.mp4/frame/{free[0]}")
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/jpeg"
    assert c.get("/api/video/synth0.mp4/frame/100").status_code == 400
    assert c.post("/api/extract/grab", json={"video": "synth0.mp4", "start": 5, "stop": 2}).status_code == 400
    assert c.post("/api/extract/grab", json={"video": "../etc.mp4", "start": 1}).status_code == 404


# ---------------------------------------------------------------- refinement
def test_refine_swap_saves_tracks_and_undo(synth_project_small_copy):
    config = synth_project_small_copy
    path = make_tracks(config)
    before, inds = read_tracks_array(path)
    c = client(config)
    key = f"videos/{TRACKS_NAME}"
    assert key in c.get("/api/refine/files").json()["tracks"]
    info = c.get("/api/refine/data", params={"tracks": key, "video": "synth0.mp4"}).json()
    assert info["individuals"][:3] == ["animal1", "animal2", "animal3"] and info["n_rows"] == 100
    raw = c.get("/api/refine/array", params={"tracks": key}).content
    arr = np.frombuffer(raw, dtype="<f4").reshape(before.shape)
    np.testing.assert_allclose(arr, before, rtol=1e-6)

    r = c.post("/api/refine/op", json={"tracks": key, "op": "swap", "params": {"a": "animal1", "b": "animal2", "start": 40}})
    assert r.status_code == 200, r.text
    after, _ = read_tracks_array(path)
    np.testing.assert_array_equal(after[:40], before[:40])
    np.testing.assert_array_equal(after[40:, 0], before[40:, 1])
    np.testing.assert_array_equal(after[40:, 1], before[40:, 0])
    with pd.HDFStore(path, "r") as store:
        assert store.keys() == ["/df_with_missing"]  # refined tracks key (FORMATS §7.3)

    c.post("/api/refine/op", json={"tracks": key, "op": "move", "params": {"frame": 3, "individual": "animal3",
                                                                             "bodypart": "snout", "x": 7.5, "y": 8.5}})
    moved, _ = read_tracks_array(path)
    np.testing.assert_array_equal(moved[3, 2, 0], [7.5, 8.5, 1.0])
    c.post("/api/refine/op", json={"tracks": key, "op": "delete", "params": {"individual": "animal3", "start": 10, "stop": 13}})
    deleted, _ = read_tracks_array(path)
    assert np.isnan(deleted[10:13, 2]).all()
    r = c.post("/api/refine/op", json={"tracks": key, "op": "fill_gaps", "params": {"max_gap": 0}})
    assert "filled" in r.json()["message"]
    filled, _ = read_tracks_array(path)
    np.testing.assert_allclose(filled[10:13, 2, :, 2], 0.01)
    for _ in range(3):
        c.post("/api/refine/op", json={"tracks": key, "op": "undo"})
    undone, _ = read_tracks_array(path)
    np.testing.assert_array_equal(undone, after)
    # the stitched file found at the start is the backup, not an intermediate state
    original, _ = read_tracks_array(path.with_name(path.name + ".bak"))
    np.testing.assert_array_equal(original, before)
    bad = c.post("/api/refine/op", json={"tracks": key, "op": "swap", "params": {"a": "animal1", "b": "mouse7"}})
    assert bad.status_code == 400 and "mouse7" in bad.json()["detail"]


def test_refine_finds_candidate_swaps(synth_project_small_copy):
    from madlc.io.tracks_array import load_tracks, save_tracks

    config = synth_project_small_copy
    path = make_tracks(config)
    t = load_tracks(path)
    t.data[50:70, [0, 1]] = t.data[50:70, [1, 0]]
    save_tracks(t, path)
    c = client(config)
    swaps = c.get("/api/refine/data", params={"tracks": f"videos/{TRACKS_NAME}"}).json()["swaps"]
    assert any({s["a"], s["b"]} == {"animal1", "animal2"} and s["start"] == 50 for s in swaps), swaps


# ---------------------------------------------------------------- safety
def test_paths_outside_the_project_are_refused(synth_project_small_copy, tmp_path):
    config = synth_project_small_copy
    root = Path(config).parent
    secret = tmp_path / "secret.h5"
    secret.write_bytes(b"not yours")
    (root / "labeled-data" / "synth0" / "link.png").symlink_to(secret)
    (root / "videos" / "sneaky_el.h5").symlink_to(secret)
    c = client(config)
    attempts = [
        ("/api/label/synth0/image/link.png", {}),
        ("/api/label/synth0/image/..%2F..%2F..%2Fconfig.yaml", {}),
        ("/api/label/..%2F..%2Fvideos/data", {}),
        ("/api/label/..%2F..%2F..%2F/image/secret.h5", {}),
        ("/api/refine/data", {"tracks": str(secret)}),
        ("/api/refine/data", {"tracks": "../secret.h5"}),
        ("/api/refine/data", {"tracks": "videos/../../secret.h5"}),
        ("/api/refine/data", {"tracks": "videos/sneaky_el.h5"}),
        ("/api/refine/data", {"tracks": "C:\\Windows\\win.ini"}),
        ("/api/refine/array", {"tracks": "/etc/passwd"}),
        ("/api/video/..%2F..%2Fsecret.h5/frame/0", {}),
    ]
    for url, params in attempts:
        r = c.get(url, params=params)
        assert r.status_code in (403, 404), (url, params, r.status_code)
        assert b"not yours" not in r.content
    assert c.get("/api/refine/data", params={"tracks": "videos/sneaky_el.h5"}).status_code == 403
    assert c.get("/api/label/synth0/image/link.png").status_code == 403
    # what belongs to the project is served
    first = c.get("/api/label/synth0/data").json()["images"][0]
    assert c.get(f"/api/label/synth0/image/{first}").status_code == 200


def test_only_local_json_requests_are_answered(synth_project_small_copy):
    c = client(synth_project_small_copy)
    assert c.get("/api/project", headers={"host": "attacker.example:8080"}).status_code == 403
    assert c.get("/api/project", headers={"host": "localhost:8080"}).status_code == 200
    r = c.post("/api/project/config", content=json.dumps({"edits": {"pcutoff": 0.1}}), headers={"content-type": "text/plain"})
    assert r.status_code == 415  # a form post from another web page cannot edit the project
    r = c.post("/api/project/config", json={"edits": {"pcutoff": 0.1}}, headers={"origin": "http://attacker.example"})
    assert r.status_code == 403
    assert c.get("/api/project").json()["fields"]["pcutoff"] == 0.6


def _outside_ip() -> str | None:
    """An address of this machine that is not loopback (None if there is none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))  # no packet is sent: this only picks the outgoing interface
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def test_server_listens_on_localhost_only(synth_project_small):
    handle = start_server(synth_project_small, port=0)
    try:
        assert handle.host == "127.0.0.1"
        assert handle.server.servers[0].sockets[0].getsockname()[0] == "127.0.0.1"
        request = urllib.request.Request(f"{handle.url}/api/project", headers={"X-Madlc-Token": handle.token})
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert json.load(resp)["open"] is True
        with urllib.request.urlopen(handle.page_url("label"), timeout=10) as resp:
            assert b"Label frames" in resp.read()
        ip = _outside_ip()
        if ip is not None:
            with pytest.raises(OSError):
                socket.create_connection((ip, handle.port), timeout=3).close()
    finally:
        handle.stop()


def test_serve_page_allows_caller_named_files_only(synth_project_small_copy, tmp_path):
    config = synth_project_small_copy
    outside = tmp_path / "elsewhere" / TRACKS_NAME
    outside.parent.mkdir()
    shutil.copy(make_tracks(config), outside)
    other = tmp_path / "elsewhere" / "other_el.h5"
    shutil.copy(outside, other)
    handle = serve_page(config, "refine", port=0, open_browser=False, block=False, tracks=str(outside),
                        video=str(Path(config).parent / "videos" / "synth0.mp4"))
    try:
        c = app_client(handle.app)
        ok = c.get("/api/refine/data", params={"tracks": outside.as_posix()})
        assert ok.status_code == 200, ok.text
        assert outside.as_posix() in c.get("/api/refine/files").json()["tracks"]
        assert c.get("/api/refine/data", params={"tracks": other.as_posix()}).status_code == 403
    finally:
        handle.stop()


# ---------------------------------------------------------------- pipeline runs
FAKE_RUN = r"""
import sys, time
print("madlc run", sys.argv[1], sys.argv[2], flush=True)
for i in range(1, 4):
    print(f"{i} of 3 steps ({round(100 * i / 3)}%) done", flush=True)
for i in range(1, 4):
    sys.stdout.write(f"\r train: {30 * i}%|###| {i}/3"); sys.stdout.flush(); time.sleep(0.05)
print("\nall done", flush=True)
"""


def test_pipeline_run_streams_output_and_progress(synth_project_small, tmp_path):
    c = client(synth_project_small, run_command=[sys.executable, "-c", FAKE_RUN, "{config}", "{target}"])
    assert "track" in c.get("/api/pipeline/targets").json()["targets"]
    assert c.post("/api/jobs", json={"target": "rm -rf"}).status_code == 400
    job = c.post("/api/jobs", json={"target": "train"}).json()
    deadline = time.time() + 30
    view = job
    while view["running"] and time.time() < deadline:
        time.sleep(0.1)
        view = c.get(f"/api/jobs/{job['id']}").json()
    assert view["returncode"] == 0
    text = "\n".join(view["lines"])
    assert f"madlc run {synth_project_small} train" in text and "all done" in text
    assert view["progress"] == 1.0 and view["step_progress"] == 0.9
    assert sum(line.startswith(" train:") for line in view["lines"]) == 1  # tqdm's \r updates one line


def test_gui_import_does_not_load_torch():
    code = "import sys, madlc.webapp.server as s; s.create_app(); assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))


def test_unique_parts_and_single_animal_projects(synth_project_identity, synth_project_single, copy_project):
    config = copy_project(synth_project_identity)
    c = client(config)
    data = c.get("/api/label/synth0/data").json()
    assert data["unique_bodyparts"] == ["landmark1", "landmark2"]
    image = data["images"][0]
    assert "single" in data["labels"][image]
    r = c.post("/api/label/synth0/point", json={"image": image, "individual": "single", "bodypart": "landmark2", "x": 3.5, "y": 4.5})
    assert r.status_code == 200, r.text
    df = pd.read_hdf(labels_h5(config))
    assert df.loc[("labeled-data", "synth0", image), ("synth", "single", "landmark2", "x")] == 3.5
    assert [c for c in df.columns if c[1] == "single"][-1] == ("synth", "single", "landmark2", "y")  # single last
    assert c.post("/api/label/synth0/point", json={"image": image, "individual": "animal1", "bodypart": "landmark1",
                                                   "x": 1, "y": 1}).status_code == 400

    config = copy_project(synth_project_single)
    c = client(config)
    data = c.get("/api/label/synth0/data").json()
    image = data["images"][0]
    assert data["individuals"] == ["animal"] and data["labels"][image]["animal"]
    r = c.post("/api/label/synth0/point", json={"image": image, "individual": "animal", "bodypart": "neck", "x": 9.0, "y": 8.0})
    assert r.status_code == 200, r.text
    df = pd.read_hdf(labels_h5(config))
    assert df.columns.nlevels == 3  # single-animal files keep DeepLabCut's 3-level columns
    assert df.loc[("labeled-data", "synth0", image), ("synth", "neck", "x")] == 9.0


def test_config_edited_elsewhere_is_picked_up(synth_project_small_copy):
    from madlc.stages.edit_config import edit_config

    config = synth_project_small_copy
    c = client(config)
    assert c.get("/api/label/synth0/data").json()["multi_bodyparts"][-1] == "tailbase"
    time.sleep(0.01)
    edit_config(config, {"multianimalbodyparts": ["snout", "neck", "back", "tailbase", "tail2"]})
    os.utime(config, (time.time() + 1, time.time() + 1))  # coarse filesystem clocks
    assert c.get("/api/label/synth0/data").json()["multi_bodyparts"][-1] == "tail2"


def test_refine_tracklet_pickle_reassign(synth_project_small_copy):
    """Tracklets from a pickle: animal1 is cut in two pieces; reassigning one piece fixes the identity."""
    from madlc.io.tracklets import tracklet_header, write_tracklets
    from madlc.io.tracks_array import load_tracks

    config = synth_project_small_copy
    root = Path(config).parent
    truth = load_tracks(root / "ground-truth" / "synth0_gt.h5").data  # (100, 3, 4, 3)
    scorer = "DLC_Resnet50_synthNov24shuffle1_snapshot_010"

    def piece(animal: int, frames: range) -> dict[int, np.ndarray]:
        return {f: np.concatenate([truth[f, animal], np.full((4, 1), -1.0)], axis=1) for f in frames}

    tracklets = {"header": tracklet_header(scorer, ["snout", "neck", "back", "tailbase"]),
                 0: piece(1, range(100)), 1: piece(2, range(100)), 2: piece(0, range(0, 60)), 3: piece(0, range(60, 100))}
    pickle = root / "videos" / "synth0DLC_Resnet50_synthNov24shuffle1_snapshot_010_el.pickle"
    write_tracklets(tracklets, pickle, nframes=100)
    c = client(config)
    key = f"videos/{pickle.name}"
    info = c.get("/api/refine/data", params={"tracks": key, "video": "synth0.mp4"}).json()
    assert info["n_rows"] == 100 and info["output"] == pickle.with_suffix(".h5").name
    assert info["has_tracklets"]
    # placed longest first: 0 -> animal1, 1 -> animal2, 2 and 3 -> animal3
    owner = c.get("/api/refine/tracklet", params={"tracks": key, "frame": 70, "individual": "animal3"}).json()
    assert owner["tracklet"] == 3
    r = c.post("/api/refine/op", json={"tracks": key, "op": "reassign", "params": {"tracklet": 3, "individual": "animal1"}})
    assert r.status_code == 200, r.text
    saved = load_tracks(pickle.with_suffix(".h5")).data
    np.testing.assert_allclose(saved[60:, 0, :, :2], truth[60:, 0, :, :2])  # tracklet 3 now on animal1
    np.testing.assert_allclose(saved[60:, 2, :, :2], truth[60:, 1, :, :2])  # and animal1's old piece moved over
    np.testing.assert_allclose(saved[:60, 0, :, :2], truth[:60, 1, :, :2])
    assert c.post("/api/refine/op", json={"tracks": key, "op": "reassign",
                                          "params": {"tracklet": 42, "individual": "animal1"}}).status_code == 400


def test_refine_hook_serves_the_callers_editor(synth_project_small_copy):
    """refine_tracklets hands its editor (short tracklets already dropped) to the page: the page shows that state."""
    from madlc.webapp.routes_refine import serve_editor
    from madlc.stages.refine_tracklets import open_editor

    config = synth_project_small_copy
    path = make_tracks(config)
    video = Path(config).parent / "videos" / "synth0.mp4"
    editor = open_editor(config, path, video)
    editor.delete_points("animal2", range(0, 30))  # an in-memory change the file does not have
    handle = serve_editor(editor, config, video, port=0, open_browser=False, block=False, max_gap=5)
    try:
        c = app_client(handle.app)
        key = f"videos/{TRACKS_NAME}"
        arr = np.frombuffer(c.get("/api/refine/array", params={"tracks": key}).content, dtype="<f4")
        arr = arr.reshape(editor.tracks.data.shape)
        assert np.isnan(arr[:30, 1]).all() and not np.isnan(arr[30:, 1, :, :2]).any()
        c.post("/api/refine/op", json={"tracks": key, "op": "swap", "params": {"a": "animal1", "b": "animal3"}})
        np.testing.assert_array_equal(editor.tracks.data[:, 0], read_tracks_array(path)[0][:, 0])
    finally:
        handle.stop()


def test_remove_an_unlabeled_extracted_frame_only(synth_project_small_copy):
    config = synth_project_small_copy
    folder = Path(config).parent / "labeled-data" / "synth0"
    c = client(config)
    extracted = c.get("/api/videos").json()["videos"][0]["extracted"]
    free = next(i for i in range(100) if i not in extracted)
    c.post("/api/extract/grab", json={"video": "synth0.mp4", "start": free})
    labeled = extracted[0]
    r = c.post("/api/extract/remove", json={"video": "synth0.mp4", "index": labeled})
    assert r.status_code == 409 and "labels" in r.json()["detail"]
    r = c.post("/api/extract/remove", json={"video": "synth0.mp4", "index": free})
    assert r.status_code == 200, r.text
    assert free not in r.json()["extracted"] and labeled in r.json()["extracted"]
    assert not (folder / f"img{free:02d}.png").exists()
    data = c.get("/api/label/synth0/data").json()
    assert f"img{free:02d}.png" not in data["images"] and f"img{free:02d}.png" not in data["labels"]


def test_refine_real_deeplabcut_tracks_without_video(synth_project_small_copy, dlc_data_dir):
    """DeepLabCut's montblanc files (3 birds + unique 'center'): open, swap, save, read back."""
    config = synth_project_small_copy
    videos = Path(config).parent / "videos"
    h5 = videos / "montblancDLC_dlcrnetms5_montblancJun1shuffle1_100000_el.h5"
    shutil.copy(dlc_data_dir / "montblanc_tracks.h5", h5)
    shutil.copy(dlc_data_dir / "montblanc_tracklets.pickle", videos / "montblancDLC_x_el.pickle")
    before, inds = read_tracks_array(h5)
    assert inds == ["bird1", "bird2", "bird3", "single"]
    c = client(config)
    key = f"videos/{h5.name}"
    info = c.get("/api/refine/data", params={"tracks": key}).json()
    assert info["individuals"] == inds and info["unique_bodyparts"] == ["center"]
    r = c.post("/api/refine/op", json={"tracks": key, "op": "swap", "params": {"a": "bird1", "b": "bird3", "start": 100}})
    assert r.status_code == 200, r.text
    after, _ = read_tracks_array(h5)
    np.testing.assert_array_equal(after[100:, 0], before[100:, 2])
    np.testing.assert_array_equal(after[:100], before[:100])
    np.testing.assert_array_equal(after[:, 3], before[:, 3])  # the unique part stays under 'single'
    info = c.get("/api/refine/data", params={"tracks": "videos/montblancDLC_x_el.pickle"}).json()
    assert info["has_tracklets"] and "single" in info["individuals"]


def test_requests_without_the_session_token_are_refused(synth_project_small_copy):
    app = create_app(synth_project_small_copy)
    token = app.state.token
    bare = TestClient(app, base_url="http://127.0.0.1")
    assert bare.get("/api/project").status_code == 403
    assert bare.get("/api/label/synth0/data").status_code == 403
    r = bare.post("/api/project/config", json={"edits": {"pcutoff": 0.1}})
    assert r.status_code == 403 and "token" in r.json()["detail"]
    assert bare.post("/api/jobs", json={"target": "all"}).status_code == 403
    assert bare.get("/api/project", headers={"x-madlc-token": token + "x"}).status_code == 403
    assert bare.get("/label").status_code == 403  # pages too: they would show the project
    assert len(token) >= 24 and create_app(None).state.token != token  # a fresh secret per server
    # the printed URL carries the token; the page keeps it in a cookie, so a reload (no token) works
    page = bare.get(f"/label?token={token}")
    assert page.status_code == 200 and "madlc_token" in page.headers["set-cookie"]
    assert "httponly" in page.headers["set-cookie"].lower()
    assert bare.get("/label").status_code == 200
    assert bare.get("/api/project").json()["fields"]["pcutoff"] == 0.6
    assert bare.get("/static/common.js").status_code == 200  # static code holds no data


def test_config_form_merges_into_the_file_on_disk_and_checks_ranges(synth_project_small_copy):
    from madlc.io.config import read_config
    from madlc.stages.edit_config import edit_config

    config = synth_project_small_copy
    c = client(config)
    loaded = c.get("/api/project").json()
    assert loaded["config_error"] is None and loaded["ranges"]["pcutoff"] == {
        "min": 0, "max": 1, "min_open": False, "integer": False, "text": "a number in [0, 1]"}
    edit_config(config, {"pcutoff": 0.3})  # edited elsewhere while the page is open
    r = c.post("/api/project/config", json={"edits": {"dotsize": 5}, "base": loaded["config_stamp"]})
    assert r.status_code == 200, r.text
    assert "changed on disk" in r.json()["warning"]
    cfg = read_config(config)
    assert cfg["pcutoff"] == 0.3 and cfg["dotsize"] == 5  # the edit merged, the file's new value kept
    assert c.get("/api/project").json()["fields"]["pcutoff"] == 0.3  # every load re-reads the file
    for edits, word in [({"pcutoff": 5}, "pcutoff=5"), ({"numframes2pick": -3}, "numframes2pick=-3"),
                        ({"dotsize": 0}, "dotsize=0")]:
        r = c.post("/api/project/config", json={"edits": edits})
        assert r.status_code == 400 and word in r.json()["detail"], r.text
    assert read_config(config)["dotsize"] == 5
    # invalid YAML on disk: said on every load, and a save is refused without touching the file
    text = Path(config).read_text()
    Path(config).write_text(text + "\nbroken: [unclosed\n")
    p = c.get("/api/project").json()
    assert "not valid YAML" in p["config_error"]
    r = c.post("/api/project/config", json={"edits": {"dotsize": 7}, "base": p["config_stamp"]})
    assert r.status_code == 409 and "not valid YAML" in r.json()["detail"]
    assert Path(config).read_text().endswith("broken: [unclosed\n")
    Path(config).write_text(text)
    assert c.get("/api/project").json()["config_error"] is None


def test_missing_videos_are_flagged(synth_project_small_copy):
    config = synth_project_small_copy
    video = Path(config).parent / "videos" / "synth0.mp4"
    video.rename(video.with_name("elsewhere.mp4"))
    missing = client(config).get("/api/project").json()["missing_videos"]
    assert len(missing) == 1 and missing[0].endswith("synth0.mp4")


FAKE_TRAIN = r"""
import sys
print("localrule train_network:", flush=True)
for step in range(100, 1100, 100):
    print(f"train_network: step {step}/3000 loss {1 / step:.4g}, 0:{60 - step // 50:02d} left", flush=True)
print("[madlc] " + "{" + ", ".join(f'"key{i}": {i}' for i in range(200)) + "}", flush=True)
print("[madlc] labeled-data/synth0/CollectedData_synth.h5: no labels yet for video 'synth0'. Frames to label are in x.")
sys.exit(1)
"""


def test_run_view_shows_training_live_and_the_labeling_checkpoint(synth_project_small):
    c = client(synth_project_small, run_command=[sys.executable, "-c", FAKE_TRAIN, "{config}", "{target}"])
    job = c.post("/api/jobs", json={"target": "all"}).json()
    deadline = time.time() + 30
    view = job
    while view["running"] and time.time() < deadline:
        time.sleep(0.1)
        view = c.get(f"/api/jobs/{job['id']}").json()
    assert view["returncode"] == 1 and not view["stopped"]
    assert view["needs_labels"] == ["synth0"]  # the page says "label them", not "failed"
    assert view["training"].startswith("train_network: step 1000/3000 loss 0.001")
    assert view["step_progress"] == 1000 / 3000
    assert sum(line.startswith("train_network: step") for line in view["lines"]) == 1  # one live line, not one per step


def test_part_colours_stay_when_parts_are_added_or_removed(synth_project_small_copy):
    config = synth_project_small_copy
    c = client(config)
    before = c.get("/api/label/synth0/data").json()["colors"]
    c.post("/api/project/config", json={"edits": {"multianimalbodyparts": ["snout", "ear", "back", "tailbase", "tailtip"],
                                                  "skeleton": [["snout", "back"]]}})
    after = c.get("/api/label/synth0/data").json()["colors"]
    assert all(after[p] == before[p] for p in ("snout", "back", "tailbase"))  # kept, not shifted
    rgb = np.array([[int(col[i:i + 2], 16) for i in (1, 3, 5)] for col in after.values()])
    distances = np.linalg.norm(rgb[:, None] - rgb[None], axis=-1)[np.triu_indices(len(rgb), 1)]
    assert distances.min() > 60, after  # and still one distinct colour per part
    assert client(config).get("/api/label/synth0/data").json()["colors"] == after  # remembered in the project

def test_an_empty_project_name_is_named_as_empty(tmp_path, synth_project_small):
    video = Path(synth_project_small).parent / "videos" / "synth0.mp4"
    r = client(None).post("/api/project/create", json={"project": "", "experimenter": "ann", "videos": [str(video)],
                                                       "working_directory": str(tmp_path)})
    assert r.status_code == 400 and "project name is empty" in r.json()["detail"] and "''" not in r.json()["detail"]


SLURM_RUN = r"""
import time
print("Job 1 has been submitted with SLURM jobid 4242 (log: x.log).", flush=True)
print("Job 2 has been submitted with SLURM jobid 4243 (log: y.log).", flush=True)
time.sleep(60)
"""


def test_stop_cancels_the_runs_slurm_jobs(synth_project_small, tmp_path, monkeypatch):
    """With the slurm profile, Stop also runs `scancel` on the jobs the run submitted."""
    called = tmp_path / "scancel_args"
    fake = tmp_path / "bin" / "scancel"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {called}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    c = client(synth_project_small, run_command=[sys.executable, "-c", SLURM_RUN, "{config}", "{target}"])
    job = c.post("/api/jobs", json={"target": "all"}).json()
    deadline = time.time() + 20
    while not any(line.startswith("Job 2") for line in c.get(f"/api/jobs/{job['id']}").json()["lines"]) \
            and time.time() < deadline:
        time.sleep(0.05)
    c.post(f"/api/jobs/{job['id']}/stop", json={})
    view = c.get(f"/api/jobs/{job['id']}").json()
    while view["running"] and time.time() < deadline + 10:
        time.sleep(0.1)
        view = c.get(f"/api/jobs/{job['id']}").json()
    assert not view["running"] and view["stopped"], view["lines"]
    assert called.exists(), view["lines"]
    assert called.read_text().split() == ["4242", "4243"]
    assert any("scancel 4242 4243: done" in line for line in view["lines"])

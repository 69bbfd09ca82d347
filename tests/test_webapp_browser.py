"""Browser tests of the GUI: headless Debian chromium driven by Playwright (python).

They label a frame by clicks and check CollectedData, swap two tracks and check the tracks .h5,
edit config.yaml and run a (stand-in) pipeline target from the project page, grab a frame on the
extraction page, and save a screenshot of every page to ``test-artifacts/gui/``.

Skipped when chromium is missing (``.ci/browser_env.sh`` installs it) unless
``MADLC_REQUIRE_BROWSER=1``, which turns a missing browser into a failure.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "gui"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 860}
TRACKS_NAME = "synth0DLC_Resnet50_synthNov24shuffle1_snapshot_010_el.h5"
FAKE_RUN = r"""
import sys, time
print("Building DAG of jobs...", flush=True)
for i, rule in enumerate(["create_training_dataset", "train_network", "evaluate_network"], 1):
    print(f"rule {rule}:", flush=True)
    for k in range(1, 5):
        sys.stdout.write(f"\r  {rule}: {25 * k}%|{'#' * k}{' ' * (4 - k)}| {k}/4"); sys.stdout.flush(); time.sleep(0.02)
    print(f"\n{i} of 3 steps ({round(100 * i / 3)}%) done", flush=True)
print("Complete log: .snakemake/log/fake.snakemake.log", flush=True)
"""


def _need(what: str) -> None:
    if os.environ.get("MADLC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (MADLC_REQUIRE_BROWSER=1). Run .ci/browser_env.sh first.")
    pytest.skip(f"{what}; run .ci/browser_env.sh to install it (or set MADLC_REQUIRE_BROWSER=1 to fail instead)")


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium")
    if exe is None:
        _need("Debian chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the playwright python package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def project(tmp_path) -> str:
    """A 320x240 synthetic project (3 animals x 4 parts, 40 frames, 5 labeled) with a tracks file."""
    from madlc.io.tracks_array import load_tracks, save_tracks
    from madlc.stages.synth_project import synth_project

    config = synth_project(str(tmp_path / "project"), animals=3, bodyparts=4, frames=40, size="320x240",
                           labeled_frames=5, seed=7)
    root = Path(config).parent
    tracks = load_tracks(root / "ground-truth" / "synth0_gt.h5")
    tracks.scorer = "DLC_Resnet50_synthNov24shuffle1_snapshot_010"
    tracks.data[25:, [0, 1]] = tracks.data[25:, [1, 0]]  # an identity swap for the page to find
    tracks.data[8:11, 2] = np.nan  # and a gap
    save_tracks(tracks, root / "videos" / TRACKS_NAME)
    return config


@pytest.fixture
def server(project, tmp_path):
    from madlc.webapp.server import start_server

    fake = tmp_path / "fake_madlc_run.py"  # stands in for `madlc run CONFIG TARGET`
    fake.write_text(FAKE_RUN)
    handle = start_server(project, port=0, run_command=[sys.executable, str(fake), "{config}", "{target}"])
    yield handle
    handle.stop()


@pytest.fixture
def page(browser):
    p = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    p.on("pageerror", lambda err: errors.append(str(err)))
    yield p
    p.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_timeout(300)  # let the last frame paint
    page.screenshot(path=str(path), full_page=full_page)
    return path


def click_image(page, canvas_box, x: float, y: float, hook: str = "madlcLabel") -> None:
    sx, sy = page.evaluate(f"([x, y]) => window.{hook}.toScreen(x, y)", [x, y])
    page.mouse.click(canvas_box["x"] + sx, canvas_box["y"] + sy)


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_grab_and_label_a_frame_by_clicks(page, server, project):
    from madlc.project.paths import image_name

    root = Path(project).parent
    folder = root / "labeled-data" / "synth0"
    h5 = folder / "CollectedData_synth.h5"
    before = pd.read_hdf(h5)
    extracted = {int(p.stem[3:]) for p in folder.glob("img*.png")}
    frame = next(i for i in range(12, 40) if i not in extracted)
    name = image_name(frame, 40)

    # 1. grab an unlabeled frame on the extraction page
    page.goto(f"{server.url}/extract?video=synth0.mp4")
    page.wait_for_selector("#videos li.active")
    page.evaluate("(k) => { const s = document.getElementById('scrub'); s.value = k; s.dispatchEvent(new Event('input')); }", frame)
    page.wait_for_function("(n) => document.getElementById('target-name').textContent === n", arg=name)
    page.click("#grab-one")
    wait_until(lambda: (folder / name).exists())
    page.wait_for_selector("#grab-one:disabled")
    shot(page, "extract")

    # 2. label it: arrow keys to the frame, individual by number key, clicks with auto-advance
    page.goto(f"{server.url}/label?folder=synth0")
    page.wait_for_function("window.madlcLabel && window.madlcLabel.state.imgName")
    index = page.evaluate("(n) => window.madlcLabel.state.images.indexOf(n)", name)
    assert index >= 0
    page.click("#stage", position={"x": 5, "y": 5}, button="middle")  # focus the page, no label placed
    for _ in range(index):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("(n) => window.madlcLabel.state.imgName === n", arg=name)
    box = page.locator("#canvas").bounding_box()
    # where the animals really are in this frame (the synthetic video's ground truth)
    truth = pd.read_hdf(root / "ground-truth" / "synth0_gt.h5").loc[frame]
    at = lambda ind, bp: (float(truth.xs((ind, bp, "x"), level=(1, 2, 3)).iloc[0]),  # noqa: E731
                          float(truth.xs((ind, bp, "y"), level=(1, 2, 3)).iloc[0]))
    page.keyboard.press("1")
    targets = {bp: at("animal1", bp) for bp in ("snout", "neck", "back", "tailbase")}
    for bp, (x, y) in targets.items():
        assert page.evaluate("window.madlcLabel.state.bp") == bp  # auto-advanced to the next part
        click_image(page, box, x, y)
    page.keyboard.press("2")
    click_image(page, box, *at("animal2", "snout"))
    # drag animal1's neck a little
    neck = targets["neck"]
    moved_to = (neck[0] + 4.0, neck[1] - 3.0)
    sx, sy = page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", list(neck))
    tx, ty = page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", list(moved_to))
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.mouse.down()
    page.mouse.move(box["x"] + tx, box["y"] + ty, steps=6)
    page.mouse.up()
    # hover animal1's tailbase and press Delete
    sx, sy = page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", list(targets["tailbase"]))
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.keyboard.press("Delete")
    page.wait_for_function("document.body.dataset.pending === '0'")
    page.keyboard.press("1")
    shot(page, "label")

    # 3. stop the server without any "save": every edit is already on disk
    server.stop()
    df = pd.read_hdf(h5)
    row = ("labeled-data", "synth0", name)
    got = lambda ind, bp: (df.loc[row, ("synth", ind, bp, "x")], df.loc[row, ("synth", ind, bp, "y")])  # noqa: E731
    for bp in ("snout", "back"):
        np.testing.assert_allclose(got("animal1", bp), targets[bp], atol=0.5)
    np.testing.assert_allclose(got("animal1", "neck"), moved_to, atol=0.5)
    assert np.isnan(got("animal1", "tailbase")).all()
    np.testing.assert_allclose(got("animal2", "snout"), at("animal2", "snout"), atol=0.5)
    assert np.isnan(df.loc[row, [c for c in df.columns if c[1] == "animal3"]].to_numpy()).all()
    pd.testing.assert_frame_equal(df.drop(index=[row]), before)  # other frames untouched
    csv = pd.read_csv(h5.with_suffix(".csv"), header=[0, 1, 2, 3], index_col=[0, 1, 2])
    np.testing.assert_allclose(csv.loc[row, ("synth", "animal1", "snout", "x")], targets["snout"][0], atol=0.5)
    assert h5.with_name(h5.name + ".bak").exists()


def test_swap_two_tracks_in_the_refinement_page(page, server, project):
    from madlc.io.tracks_array import load_tracks

    path = Path(project).parent / "videos" / TRACKS_NAME
    before = load_tracks(path).data.copy()
    page.goto(f"{server.url}/refine?tracks=videos/{TRACKS_NAME}&video=synth0.mp4&trail_len=20")
    page.wait_for_function("window.madlcRefine && window.madlcRefine.state.arr && window.madlcRefine.state.img")
    assert page.locator("#swaps li button").count() >= 2  # the planted swap is listed
    page.select_option("#swap-a", label="animal1")
    page.select_option("#swap-b", label="animal3")
    page.click("#stage", position={"x": 5, "y": 5})
    page.keyboard.press("Shift+ArrowRight")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('swap-from-label').textContent === '15'")
    page.click("#swap")
    page.wait_for_function("window.madlcRefine.idle() && document.getElementById('save-state').textContent.includes('saved')")
    after = load_tracks(path).data
    np.testing.assert_array_equal(after[:15], before[:15])
    np.testing.assert_array_equal(after[15:, 0], before[15:, 2])
    np.testing.assert_array_equal(after[15:, 2], before[15:, 0])
    np.testing.assert_array_equal(after[15:, 1], before[15:, 1])

    # drag one point on this frame: a human correction with likelihood 1
    box = page.locator("#canvas").bounding_box()
    x, y = (float(v) for v in after[15, 1, 0, :2])
    sx, sy = page.evaluate("([x, y]) => window.madlcRefine.toScreen(x, y)", [x, y])
    tx, ty = page.evaluate("([x, y]) => window.madlcRefine.toScreen(x, y)", [x + 12, y - 6])
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.mouse.down()
    page.mouse.move(box["x"] + tx, box["y"] + ty, steps=6)
    page.mouse.up()
    page.wait_for_function("window.madlcRefine.idle() && document.getElementById('last-op').textContent.startsWith('moved')")
    moved = load_tracks(path).data
    np.testing.assert_allclose(moved[15, 1, 0], [x + 12, y - 6, 1.0], atol=0.5)
    page.click("#save")
    page.wait_for_selector("#toast >> text=Saved")
    page.wait_for_selector("#toast div", state="detached")
    page.keyboard.press("Shift+ArrowRight")  # frame 25: the planted swap
    page.wait_for_timeout(300)
    shot(page, "refine")


def test_project_page_edits_config_and_runs_a_target(page, server, project):
    from madlc.io.config import read_config

    page.goto(f"{server.url}/project")
    page.wait_for_function("document.getElementById('f-individuals').value.length > 0")
    page.fill("#f-individuals", "mouse 1, mouse2")
    page.click("#save-config")
    error = page.wait_for_selector("#config-msg .error")
    assert "space" in error.inner_text()
    assert read_config(project)["individuals"] == ["animal1", "animal2", "animal3"]  # refused: file unchanged
    page.fill("#f-individuals", "animal1, animal2, animal3")
    page.fill("#f-multianimalbodyparts", "snout, neck, back, tailbase, tailtip")
    page.fill("#f-skeleton", "snout, neck\nneck, back\nback, tailbase\ntailbase, tailtip")
    page.click("#save-config")
    page.wait_for_selector("#config-msg .okmsg")
    cfg = read_config(project)
    assert cfg["multianimalbodyparts"][-1] == "tailtip" and ["tailbase", "tailtip"] in [list(p) for p in cfg["skeleton"]]

    page.select_option("#target", "train")
    page.click("#run-btn")
    page.wait_for_function("document.body.dataset.job === 'done'", timeout=30000)
    log = page.inner_text("#run-log")
    assert "3 of 3 steps (100%) done" in log and "train_network: 100%" in log
    assert "finished" in page.inner_text("#run-state")
    page.set_viewport_size({"width": 1440, "height": 1180})
    shot(page, "project")


def test_create_a_project_from_the_page(page, project, tmp_path):
    from madlc.webapp.server import start_server
    from madlc.io.config import read_config

    handle = start_server(None, port=0)
    try:
        page.goto(f"{handle.url}/project")
        page.wait_for_selector("text=no project open")
        page.click("#create-box summary")
        page.fill("#new-name", "openfield")
        page.fill("#new-experimenter", "ann")
        page.fill("#new-videos", str(Path(project).parent / "videos" / "synth0.mp4"))
        page.fill("#new-dir", str(tmp_path / "work"))
        (tmp_path / "work").mkdir()
        page.click("#create-btn")
        page.wait_for_selector("#project-msg .okmsg")
        assert "openfield (ann" in page.inner_text("header.top .project")
        config = next((tmp_path / "work").glob("openfield-ann-*/config.yaml"))
        assert read_config(config)["scorer"] == "ann"
        assert page.input_value("#f-individuals") == "individual1, individual2, individual3"
        page.set_viewport_size({"width": 1440, "height": 1180})
        shot(page, "project-created")
    finally:
        handle.stop()

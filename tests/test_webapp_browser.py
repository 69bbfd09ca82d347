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
    page.goto(server.page_url("extract", video="synth0.mp4"))
    page.wait_for_selector("#videos li.active")
    page.evaluate("(k) => { const s = document.getElementById('scrub'); s.value = k; s.dispatchEvent(new Event('input')); }", frame)
    page.wait_for_function("(n) => document.getElementById('target-name').textContent === n", arg=name)
    page.click("#grab-one")
    wait_until(lambda: (folder / name).exists())
    page.wait_for_selector("#grab-one:disabled")
    shot(page, "extract")

    # 2. label it: arrow keys to the frame, individual by number key, clicks with auto-advance
    page.goto(server.page_url("label", folder="synth0"))
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



def _free_spot(points: list[tuple[float, float]], width: int, height: int) -> tuple[float, float]:
    """The grid point of the image farthest from every label (a click there hits no point)."""
    grid = [(x, y) for x in np.linspace(20, width - 20, 15) for y in np.linspace(20, height - 20, 12)]
    return max(grid, key=lambda g: min(np.hypot(g[0] - px, g[1] - py) for px, py in points))


def test_click_never_moves_a_placed_point_and_ctrl_z_undoes_every_edit(page, server, project):
    h5 = Path(project).parent / "labeled-data" / "synth0" / "CollectedData_synth.h5"
    before = pd.read_hdf(h5)
    labeled = before.dropna(how="any")
    row = labeled.index[0]  # a fully labeled frame
    name = row[2]
    page.goto(server.page_url("label", folder="synth0"))
    page.wait_for_function("window.madlcLabel && window.madlcLabel.state.imgName")
    index = page.evaluate("(n) => window.madlcLabel.state.images.indexOf(n)", name)
    page.evaluate("(i) => window.madlcLabel.showFrame(i)", index)
    page.wait_for_function("(n) => window.madlcLabel.state.imgName === n", arg=name)
    box = page.locator("#canvas").bounding_box()
    original = page.evaluate("(n) => JSON.parse(JSON.stringify(window.madlcLabel.state.labels[n]))", name)
    points = [tuple(xy) for parts in original.values() for xy in parts.values()]
    assert len(points) == 12
    spot = _free_spot(points, 320, 240)
    labels_now = lambda: page.evaluate("(n) => window.madlcLabel.state.labels[n]", name)  # noqa: E731
    hover = lambda xy: page.mouse.move(box["x"] + page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", list(xy))[0],  # noqa: E731
                                       box["y"] + page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", list(xy))[1])

    # a click on a fully labeled frame places nothing and moves nothing
    click_image(page, box, *spot)
    assert labels_now() == original
    # animal3 without its tailbase: the click places the tailbase, the next click (after the animal's last part) nothing
    page.keyboard.press("3")
    hover(original["animal3"]["tailbase"])
    page.keyboard.press("Delete")
    assert "tailbase" not in labels_now()["animal3"]
    click_image(page, box, *spot)
    np.testing.assert_allclose(labels_now()["animal3"]["tailbase"], spot, atol=0.5)
    far = _free_spot(points + [spot], 320, 240)
    click_image(page, box, *far)
    after_click = labels_now()
    np.testing.assert_allclose(after_click["animal3"]["tailbase"], spot, atol=0.5)
    for ind, parts in original.items():
        for bp, xy in parts.items():
            if (ind, bp) != ("animal3", "tailbase"):
                np.testing.assert_allclose(after_click[ind][bp], xy, atol=1e-6)

    # move animal1's snout by drag, delete animal2's neck, then undo both with Ctrl+Z
    snout = original["animal1"]["snout"]
    hover(snout)
    page.mouse.down()
    tx, ty = page.evaluate("([x, y]) => window.madlcLabel.toScreen(x, y)", [snout[0] + 9, snout[1] + 7])
    page.mouse.move(box["x"] + tx, box["y"] + ty, steps=6)
    page.mouse.up()
    hover(original["animal2"]["neck"])
    page.keyboard.press("Delete")
    page.wait_for_function("document.body.dataset.pending === '0'")
    mid = pd.read_hdf(h5).loc[row]
    assert np.isnan(mid[("synth", "animal2", "neck", "x")])
    np.testing.assert_allclose(mid[("synth", "animal1", "snout", "x")], snout[0] + 9, atol=0.5)
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.keyboard.press("Control+z")  # the deleted neck comes back
    page.keyboard.press("Control+z")  # the snout goes back
    page.wait_for_function("document.body.dataset.pending === '0'")
    shot(page, "label-undo")

    server.stop()  # nothing waits for a save: the file holds every edit and every undo
    df = pd.read_hdf(h5)
    got = df.loc[row]
    for ind, parts in original.items():
        for bp, xy in parts.items():
            want = spot if (ind, bp) == ("animal3", "tailbase") else xy
            np.testing.assert_allclose([got[("synth", ind, bp, "x")], got[("synth", ind, bp, "y")]], want, atol=0.5)
    pd.testing.assert_frame_equal(df.drop(index=[row]), before.drop(index=[row]))


def test_swap_two_tracks_in_the_refinement_page(page, server, project):
    from madlc.io.tracks_array import load_tracks

    path = Path(project).parent / "videos" / TRACKS_NAME
    before = load_tracks(path).data.copy()
    page.goto(server.page_url("refine", tracks=f"videos/{TRACKS_NAME}", video="synth0.mp4", trail_len=20))
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

    page.goto(server.page_url("project"))
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
        page.goto(handle.page_url("project"))
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


def _project_processes(root: Path) -> list:
    """Live processes working on the project (madlc run, Snakemake, its jobs: their command lines name it)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and str(root) in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_stop_ends_the_whole_run_and_the_next_run_resumes(page, synth_project_small, copy_project):
    """Stop on a real `madlc run CONFIG train` (Snakemake + training job): nothing of it is left within 10 s."""
    import psutil
    from madlc.webapp.server import start_server

    config = copy_project(synth_project_small)
    root = Path(config).parent
    handle = start_server(config, port=0)
    try:
        page.goto(handle.page_url("project"))
        page.wait_for_function("document.getElementById('target').options.length > 0")
        page.select_option("#target", "train")
        page.fill("#run-args", "train.max_steps=3000")
        page.click("#run-btn")
        training = lambda: [p for p in _project_processes(root) if "train_network" in " ".join(p.cmdline())]  # noqa: E731
        wait_until(training, timeout=180)
        leader = psutil.Process(list(handle.app.state.jobs.jobs.values())[-1].process.pid)
        started = [leader] + leader.children(recursive=True)
        assert any("snakemake" in " ".join(p.cmdline()) for p in started)
        page.click("#stop-btn")
        t0 = time.monotonic()
        wait_until(lambda: not _project_processes(root) and not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                                                                    for p in started), timeout=10)
        assert time.monotonic() - t0 < 10
        page.wait_for_function("document.getElementById('run-state').textContent.includes('stopped')", timeout=10000)
        assert "Run again to resume" in page.inner_text("#run-log")
        shot(page, "project-stopped")

        # the next Run resumes: Snakemake's lock of the stopped run is cleared, training runs to its end
        page.fill("#run-args", "train.max_steps=4")
        page.click("#run-btn")
        page.wait_for_function("document.body.dataset.job === 'running'")
        page.wait_for_function("document.body.dataset.job === 'done'", timeout=240000)
        assert "train: finished" in page.inner_text("#run-state"), page.inner_text("#run-log")[-3000:]
    finally:
        for job in getattr(handle.app.state, "jobs", None).jobs.values() if hasattr(handle.app.state, "jobs") else []:
            if job.returncode is None:
                handle.app.state.jobs.stop(job.id, grace=0.5)
        handle.stop()


def test_config_edited_on_disk_is_not_reverted_by_a_save_in_the_page(page, server, project):
    from madlc.io.config import read_config
    from madlc.stages.edit_config import edit_config

    page.goto(server.page_url("project"))
    page.wait_for_function("document.getElementById('f-individuals').value.length > 0")
    assert page.input_value("#f-pcutoff") == "0.6"
    edit_config(project, {"pcutoff": 0.3})  # `madlc edit-config CONFIG "{pcutoff: 0.3}"` while the page is open
    page.fill("#f-dotsize", "11")
    page.click("#save-config")
    page.wait_for_selector("#config-msg .okmsg")
    cfg = read_config(project)
    assert cfg["pcutoff"] == 0.3 and cfg["dotsize"] == 11
    assert "changed on disk" in page.inner_text("#config-disk")
    assert page.input_value("#f-pcutoff") == "0.3"
    # numbers out of range are refused, the file stays as it was
    page.fill("#f-pcutoff", "5")
    page.click("#save-config")
    assert "pcutoff" in page.wait_for_selector("#config-msg .error").inner_text()
    assert read_config(project)["pcutoff"] == 0.3
    # a file that is not valid YAML: the page says so on load and refuses to save
    text = Path(project).read_text()
    Path(project).write_text(text + "\nbroken: [unclosed\n")
    page.reload()
    assert "not valid YAML" in page.wait_for_selector("#config-disk .error").inner_text()
    page.fill("#f-dotsize", "9")
    page.click("#save-config")
    assert "nothing was saved" in page.wait_for_selector("#config-msg .error").inner_text()
    assert Path(project).read_text().endswith("broken: [unclosed\n")
    # the Label page says it too, and keeps saying it (a banner, not a toast that fades)
    page.goto(server.page_url("label", folder="synth0"))
    assert "not valid YAML" in page.wait_for_selector("#config-error-banner").inner_text()
    page.wait_for_function("window.madlcLabel && window.madlcLabel.state.imgName")  # last good values still label


CONTROLS = "button, input, select, textarea, a[href], summary, ul.list li"
SIZES = {"1024x640": {"width": 1024, "height": 640}, "1366x768": {"width": 1366, "height": 768}}


def _unclickable(page) -> list[str]:
    """Visible, enabled controls a user cannot click (covered, cut off, outside the window)."""
    bad = []
    controls = page.locator(CONTROLS)
    for i in range(controls.count()):
        control = controls.nth(i)
        if not control.is_visible() or not control.is_enabled():
            continue
        control.scroll_into_view_if_needed(timeout=2000)
        try:
            control.click(trial=True, timeout=1500)  # Playwright's checks: visible, stable, not covered
        except Exception as err:  # noqa: BLE001 - reported below with the control's description
            what = control.evaluate("(e) => e.tagName + '#' + e.id + ' ' + (e.textContent || e.value || '').trim().slice(0, 30)")
            bad.append(f"{what}: {str(err).splitlines()[0]}")
    return bad


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_and_its_controls_are_clickable(browser, server, size):
    """Each page at a laptop size: every control clickable, screenshots saved for a person to look at."""
    pages = {
        "project": server.page_url("project"),
        "extract": server.page_url("extract", video="synth0.mp4"),
        "label": server.page_url("label", folder="synth0"),
        "refine": server.page_url("refine", tracks=f"videos/{TRACKS_NAME}", video="synth0.mp4"),
        "report": server.page_url("report"),
    }
    ready = {"project": "document.getElementById('f-individuals').value.length > 0",
             "extract": "document.querySelector('#videos li.active')",
             "label": "window.madlcLabel && window.madlcLabel.state.img",
             "refine": "window.madlcRefine && window.madlcRefine.state.arr && window.madlcRefine.state.img",
             "report": "document.body.dataset.report === 'done'"}
    problems = {}
    for name, url in pages.items():
        page = browser.new_page(viewport=SIZES[size])
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        try:
            page.goto(url)
            page.wait_for_function(ready[name])
            shot(page, f"{name}-{size}")
            if name == "label":
                assert page.inner_text("#zoom-level").endswith("%")
                page.click("#zoom-in")  # it used to sit under the right panel at 1024 px
                assert page.locator("#frame-name").bounding_box()["width"] > 40  # the frame name stays readable
            bad = _unclickable(page)
            if bad:
                problems[name] = bad
            assert not errors, errors
        finally:
            page.close()
    assert not problems, problems


def test_first_run_stops_for_labeling_with_a_link_to_the_label_page(page, synth_project_small, tmp_path):
    """A new project without labels, Run `train`: frames are extracted and the page asks for labels."""
    from madlc.stages.create_new_project import create_new_project
    from madlc.webapp.server import start_server

    video = Path(synth_project_small).parent / "videos" / "synth0.mp4"
    config = create_new_project("mice", "ann", [str(video)], working_directory=str(tmp_path), copy_videos=True)
    handle = start_server(config, port=0)
    try:
        page.goto(handle.page_url("project"))
        page.wait_for_function("document.getElementById('target').options.length > 0")
        page.select_option("#target", "train")
        page.click("#run-btn")
        page.wait_for_function("document.body.dataset.job === 'running'")
        page.wait_for_function("document.body.dataset.job === 'done'", timeout=180000)
        state = page.inner_text("#run-state")
        assert "waiting for labels" in state and "failed" not in state, page.inner_text("#run-log")[-2000:]
        n = len(list((Path(config).parent / "labeled-data" / "synth0").glob("img*.png")))
        assert n > 0
        link = page.locator("#run-next a")
        assert link.inner_text().startswith(f"{n} frames of synth0 extracted — label them")
        shot(page, "project-needs-labels")
        link.click()
        page.wait_for_function("window.madlcLabel && window.madlcLabel.state.imgName")
        assert page.evaluate("window.madlcLabel.state.folder") == "synth0"
    finally:
        handle.stop()


FAST_RUN = ["model=tiny", "train.max_steps=60", "train.save_epochs=1000", "data.crop_size=[128,96]", "data.batch_size=4",
            "data.num_workers=0", "train.progress_bar=false"]


@pytest.fixture(scope="module")
def finished_project(synth_project_small, tmp_path_factory) -> str:
    """A synthetic project taken through the whole pipeline by `madlc run CONFIG report` (tiny model, 60 steps)."""
    from conftest import copy_project_to
    from madlc.workflow.run import run

    config = copy_project_to(synth_project_small, tmp_path_factory.mktemp("finished") / "project")
    run(config, "report", overrides=FAST_RUN)
    return config


def test_report_page_renders_its_plots_for_a_finished_project(browser, finished_project):
    import re
    from madlc.webapp.server import start_server

    root = Path(finished_project).parent
    static = (root / "report.html").read_text()  # written by the pipeline's `report` target
    titles = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,', static)
    for expected in ("Labeled points per body part and video", "Learning curve", "Pixel error per body part",
                     "OKS-mAP of the animals", "Kept PAF graph", "Animals per frame", "Track coverage and candidate identity swaps",
                     "Trajectories", "Tracking metrics against ground truth"):
        assert any(t.startswith(expected) for t in titles), (expected, titles)
    assert "labeled video" in static

    handle = start_server(finished_project, port=0)
    page = browser.new_page(viewport=SIZES["1366x768"])
    try:
        page.goto(handle.page_url("report"))
        page.wait_for_function("document.body.dataset.report === 'done'", timeout=60000)
        images = page.locator("#report figure img")
        assert images.count() == len(titles)
        for i in range(images.count()):  # every plot decoded and drawn
            assert page.evaluate("(img) => img.complete && img.naturalWidth > 100", images.nth(i).element_handle())
        video = page.locator("#report a", has_text="labeled video")
        href = video.first.get_attribute("href")
        assert page.request.get(f"{handle.url}{href}").status == 200  # the labeled video is served
        page.set_viewport_size({"width": 1366, "height": 2400})
        shot(page, "report")
    finally:
        page.close()
        handle.stop()

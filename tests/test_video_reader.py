"""madlc.video.reader / writer: metadata, frame-accurate seeking on every container we write, bad files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from madlc.errors import VideoError
from madlc.video.reader import VideoReader, video_info
from madlc.video.writer import VideoWriter

BITS = 9
W, H = 96, 64


def index_frame(i: int) -> np.ndarray:
    """A frame whose vertical stripes spell ``i`` in binary (survives lossy codecs)."""
    img = np.zeros((H, W, 3), np.uint8)
    bw = W // BITS
    for b in range(BITS):
        if (i >> b) & 1:
            img[:, b * bw:(b + 1) * bw] = 255
    img[:, BITS * bw:, 1] = 80  # a coloured strip: checks RGB order
    return img


def frame_index(img: np.ndarray) -> int:
    bw = W // BITS
    return sum(1 << b for b in range(BITS) if img[:, b * bw + bw // 4:(b + 1) * bw - bw // 4].mean() > 127)


CONTAINERS = [("mp4v.mp4", "mp4v"), ("mjpg.avi", "MJPG"), ("xvid.avi", "XVID"), ("mp4v.avi", "mp4v"),
              ("h264.mp4", "h264"), ("h264.mkv", "h264")]
N = 120


@pytest.fixture(scope="module")
def index_videos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("index_videos")
    out = {}
    for name, codec in CONTAINERS:
        with VideoWriter(folder / name, fps=25, size=(W, H), codec=codec) as writer:
            for i in range(N):
                writer.write(index_frame(i))
        out[name] = folder / name
    return out


@pytest.mark.parametrize("name", [c[0] for c in CONTAINERS])
def test_random_access_is_frame_accurate(index_videos, name):
    path = index_videos[name]
    info = video_info(path)
    assert (info.width, info.height, info.nframes) == (W, H, N)
    assert info.fps == pytest.approx(25.0)
    rng = np.random.default_rng(0)
    order = list(rng.integers(0, N, 25)) + [N - 1, 0, N - 1, 1, 2, 3, 50, 49, 48]
    with VideoReader(path) as reader:
        for i in order:
            frame = reader.read(int(i))
            assert frame.shape == (H, W, 3) and frame.dtype == np.uint8
            assert frame_index(frame) == i, f"{name}: asked for frame {i}, got {frame_index(frame)}"
            assert frame[:, -2, 1].mean() > 40 and frame[:, -2, 0].mean() < 40  # RGB, not BGR


def test_sequential_frames_and_iteration(index_videos):
    path = index_videos["mp4v.mp4"]
    with VideoReader(path) as reader:
        assert len(reader) == N
        got = [(i, frame_index(f)) for i, f in reader.frames(10, 40, step=7)]
        assert got == [(i, i) for i in range(10, 40, 7)]
        assert [frame_index(f) for _, f in reader.frames(N - 3)] == [N - 3, N - 2, N - 1]
        reader.seek(100)
        assert [frame_index(f) for f in reader] == list(range(100, N))
    reader = VideoReader(path)
    reader.close()
    with pytest.raises(VideoError, match="closed"):
        reader.read(0)


def test_out_of_range_and_missing_and_garbage(tmp_path, index_videos):
    with VideoReader(index_videos["mjpg.avi"]) as reader:
        with pytest.raises(VideoError, match=r"frame 120 is out of range .*120 frames"):
            reader.read(N)
        with pytest.raises(VideoError, match="out of range"):
            reader.read(-1)
    with pytest.raises(VideoError, match=r"nothere\.mp4: no such video file"):
        video_info(tmp_path / "nothere.mp4")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(VideoError, match=r"garbage\.mp4: "):
        video_info(garbage)
    with pytest.raises(VideoError, match=r"garbage\.mp4: "):
        VideoReader(garbage)
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match=r"empty\.avi: "):
        video_info(empty)
    with pytest.raises(VideoError, match="folder"):
        video_info(tmp_path)


def test_truncated_video_reports_the_frame(tmp_path, index_videos):
    src = index_videos["mjpg.avi"]
    data = src.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    try:
        info = video_info(cut)
    except VideoError as err:  # some builds refuse the damaged index outright: also a clear error
        assert "cut.avi" in str(err)
        return
    with VideoReader(cut) as reader:
        with pytest.raises(VideoError, match=r"cut\.avi: frame \d+"):
            for i in range(info.nframes):
                reader.read(i)


def test_writer_is_atomic_and_checks_frames(tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(VideoError, match=r"frame 1 has shape \(10, 10, 3\)"):
        with VideoWriter(target, 30, (W, H)) as writer:
            writer.write(index_frame(0))
            writer.write(np.zeros((10, 10, 3), np.uint8))
    assert not target.exists() and list(tmp_path.iterdir()) == []
    # an error inside the with block leaves an existing file untouched
    with VideoWriter(target, 30, (W, H)) as writer:
        for i in range(5):
            writer.write(index_frame(i))
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        with VideoWriter(target, 30, (W, H)) as writer:
            writer.write(index_frame(9))
            raise RuntimeError("interrupted")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
    assert video_info(target).nframes == 5
    # grey frames are accepted
    with VideoWriter(tmp_path / "grey.avi", 10, (W, H), codec="MJPG") as writer:
        writer.write(np.full((H, W), 200, np.uint8))
    assert video_info(tmp_path / "grey.avi").nframes == 1


def test_writer_bad_arguments(tmp_path):
    with pytest.raises(VideoError, match="unknown codec"):
        with VideoWriter(tmp_path / "a.mp4", 30, (W, H), codec="nonsense"):
            pass
    with pytest.raises(VideoError, match="even width"):
        with VideoWriter(tmp_path / "b.mp4", 30, (95, 64), codec="h264"):
            pass
    with pytest.raises(VideoError, match="fps"):
        VideoWriter(tmp_path / "c.mp4", 0, (W, H))
    with pytest.raises(VideoError, match="not open"):
        VideoWriter(tmp_path / "d.mp4", 30, (W, H)).write(index_frame(0))
    assert not any(tmp_path.iterdir())


def test_reader_falls_back_when_a_seek_lands_elsewhere(index_videos, monkeypatch):
    """A container whose seeks are off by some frames is caught by the timestamp check."""
    import cv2

    path = index_videos["h264.mp4"]
    reader = VideoReader(path)
    real_set = reader._cap.set

    class LyingCapture:
        def __init__(self, cap):
            self.cap = cap

        def set(self, prop, value):
            if prop == cv2.CAP_PROP_POS_FRAMES and value > 10:
                real = self.cap.set(prop, value - 5)
                self._claim = value
                return real
            return self.cap.set(prop, value)

        def get(self, prop):
            if prop == cv2.CAP_PROP_POS_FRAMES and getattr(self, "_claim", None) is not None:
                claim, self._claim = self._claim, None
                return claim
            return self.cap.get(prop)

        def __getattr__(self, name):
            return getattr(self.cap, name)

    assert real_set is not None
    reader._cap = LyingCapture(reader._cap)
    frame = reader.read(80)
    assert frame_index(frame) == 80
    assert not reader.seeks_exactly
    assert frame_index(reader.read(30)) == 30  # later seeks decode forward from the start
    reader.close()


def test_h264_seeking_across_keyframes(tmp_path):
    """Long H.264 GOPs with B-frames: seeks must decode forward from the right keyframe."""
    import av

    path = tmp_path / "gop.mp4"
    container = av.open(str(path), mode="w")
    stream = container.add_stream("libx264", rate=30)
    stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
    stream.options = {"g": "48", "bf": "3", "crf": "18"}
    n = 400
    for i in range(n):
        for packet in stream.encode(av.VideoFrame.from_ndarray(index_frame(i), format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    assert video_info(path).nframes == n
    order = [399, 47, 48, 49, 96, 95, 250, 5, 397, 200, 201, 144, 143]
    with VideoReader(path) as reader:
        for i in order:
            assert frame_index(reader.read(i)) == i
        assert reader.seeks_exactly

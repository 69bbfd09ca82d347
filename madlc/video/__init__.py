"""Videos: reading (frame-accurate), writing (streamed, atomic) and frame extraction for labeling.

- :func:`madlc.video.reader.video_info`, :class:`madlc.video.reader.VideoReader`
- :class:`madlc.video.writer.VideoWriter`
- :func:`madlc.stages.extract_frames.extract_frames` (``madlc extract-frames``)
"""
from madlc.video.reader import VideoInfo, VideoReader, video_info
from madlc.video.writer import VideoWriter

__all__ = ["VideoInfo", "VideoReader", "VideoWriter", "video_info"]

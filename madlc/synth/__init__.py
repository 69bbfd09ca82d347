"""Synthetic multi-animal videos and projects with exact ground truth (test and demo data).

- :func:`madlc.synth.motion.simulate_poses` -> poses ``(n_frames, n_animals, n_bodyparts, 2)`` + visibility
- :func:`madlc.synth.render.render_frame` -> one RGB uint8 frame
- :func:`madlc.synth.video.write_synthetic_video` -> a streamed video + its ground truth
- :func:`madlc.synth.groundtruth.write_ground_truth_tracks` -> tracks-layout ``.h5``
- ``madlc.synth_project`` (:mod:`madlc.stages.synth_project`) -> a full DeepLabCut project (``madlc synth-project DIR``)
- :mod:`madlc.synth.detections` -> 6-keypoint poses with chases and crossings and a detector-like
  degradation (assemblies with noise, misses, swaps) for the tracking tests and benchmarks. It keeps
  its own motion model: replacing it with :mod:`madlc.synth.motion` would change the tracking figures.
"""
from madlc.synth.groundtruth import write_ground_truth_tracks
from madlc.synth.motion import simulate_poses
from madlc.synth.render import render_frame
from madlc.synth.video import write_synthetic_video

__all__ = ["simulate_poses", "render_frame", "write_synthetic_video", "write_ground_truth_tracks"]

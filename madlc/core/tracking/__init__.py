"""Tracking: linking assembled animals over time.

- :mod:`madlc.core.tracking.trackers`: frame-to-frame SORT-style trackers (box, ellipse,
  skeleton) and identity-only linking -> tracklets.
- :mod:`madlc.core.tracking.stitch`: global stitching of tracklets into ``n_tracks`` tracks
  (min-cost flow on motion, shape, gap and identity).
- :mod:`madlc.core.tracking.kalman`, :mod:`madlc.core.tracking.similarity`: the filters and
  shape similarities they use; :mod:`madlc.synth.detections`: synthetic poses and a
  detector-like degradation for tests and benchmarks.
- the public functions are stages (:mod:`madlc.stages.track`, ``stitch``,
  ``convert_detections2tracklets``, ``stitch_tracklets``).
"""

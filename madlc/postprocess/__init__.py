"""After tracking: filtering, refinement, outlier frames.

- :mod:`~madlc.postprocess.discovery`: which file holds a video's tracks (DeepLabCut's naming rule).
- :mod:`~madlc.postprocess.tracks`: the tracks array contract (:class:`~madlc.postprocess.tracks.Tracks`)
  and its DataFrame / file conversions.
- :mod:`~madlc.postprocess.filtering`: ``filterpredictions`` (median, ARIMA, spline).
- :mod:`~madlc.postprocess.refine_ops`: refinement operations (:class:`~madlc.postprocess.refine_ops.TrackEditor`),
  used by ``refine_tracklets`` (:mod:`~madlc.postprocess.refine`) and the web GUI.
- :mod:`~madlc.postprocess.outliers`: ``extract_outlier_frames`` and ``merge_datasets``.
"""

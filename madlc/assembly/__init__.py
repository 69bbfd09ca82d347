"""Assembling detections into animals (issue: assembly).

- :mod:`madlc.assembly.core` -- ``assemble_frame`` (one frame, streaming friendly),
  ``iter_assembled``, ``assemble_frames`` (a whole ``_full.pickle`` dict ->
  assemblies dict), ``AssemblySettings``.
- :mod:`madlc.assembly.settings` -- ``inference_settings`` (defaults <
  inference_cfg.yaml < overrides) and ``assembly_settings``.
- :mod:`madlc.assembly.calibration` -- ``fit_calibration`` from labels, link and
  skeleton plausibility.
- :mod:`madlc.assembly.pruning` -- data-driven PAF graph: ``score_edges``,
  ``candidate_graphs``, ``select_graph``.
- :mod:`madlc.assembly.api` -- ``assemble`` (``madlc assemble FULL_PICKLE``).

Nothing is imported here, so ``import madlc.assembly`` stays light.
"""

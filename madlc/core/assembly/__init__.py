"""Assembling detections into animals (issue: assembly).

- :mod:`madlc.core.assembly.assemble` -- ``assemble_frame`` (one frame, streaming friendly),
  ``iter_assembled``, ``assemble_frames`` (a whole ``_full.pickle`` dict ->
  assemblies dict), ``AssemblySettings``.
- :mod:`madlc.stages._settings` -- ``inference_settings`` (defaults <
  inference_cfg.yaml < overrides) and ``assembly_settings``.
- :mod:`madlc.core.assembly.calibration` -- ``fit_calibration`` from labels, link and
  skeleton plausibility.
- :mod:`madlc.core.assembly.pruning` -- data-driven PAF graph: ``score_edges``,
  ``candidate_graphs``, ``select_graph``.
- :mod:`madlc.stages.assemble` -- ``assemble`` (``madlc assemble FULL_PICKLE``).

Nothing is imported here, so ``import madlc.core.assembly`` stays light.
"""

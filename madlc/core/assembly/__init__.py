"""Assembling detections into animals (pure: arrays and :class:`AssemblySettings` in, arrays out).

- :mod:`madlc.core.assembly.assemble` -- ``assemble_frame`` (one frame, streaming friendly),
  ``iter_assembled``, ``assemble_frames`` (a whole ``_full.pickle`` dict ->
  assemblies dict), ``AssemblySettings``.
- :mod:`madlc.core.assembly.calibration` -- ``fit_calibration`` from labels, link and
  skeleton plausibility.
- :mod:`madlc.core.assembly.pruning` -- data-driven PAF graph: ``score_edges``,
  ``candidate_graphs``, ``select_graph``.
- :mod:`madlc.core.assembly.evaluation` -- assembly quality against ground truth.

The stage is :mod:`madlc.stages.assemble` (``madlc assemble FULL_PICKLE``); its settings
(``inference_settings``, ``assembly_settings``) are built in :mod:`madlc.stages._settings`.
Nothing is imported here, so ``import madlc.core.assembly`` stays light.
"""

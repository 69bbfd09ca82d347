"""Batched inference (torch): the loaded model (:mod:`~madlc.nn.inference.model`), frame batches
(:mod:`~madlc.nn.inference.source`), peaks and PAF costs (:mod:`~madlc.nn.inference.peaks`,
:mod:`~madlc.nn.inference.paf`, :mod:`~madlc.nn.inference.predict`) and one video's forward loop
(:mod:`~madlc.nn.inference.run`)."""

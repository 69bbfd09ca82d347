"""Training data: dataset creation and the training pipeline.

* :mod:`madlc.stages.create_multianimaltraining_dataset`: ``create_multianimaltraining_dataset`` and the readers evaluation uses
  (``load_merged_labels``, ``load_split``, ``load_training_data``, ``keypoints_for_split``).
* :mod:`madlc.project.labels`: merged labels and the ``(n_images, n_slots, n_joints, 2)`` keypoint contract.
* :mod:`madlc.nn.data.augment`, :mod:`madlc.nn.data.targets`, :mod:`madlc.nn.data.dataset`: crops, augmentation,
  target maps, the torch Dataset and LightningDataModule (these import torch/albumentations).
"""

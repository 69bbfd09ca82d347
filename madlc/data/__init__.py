"""Training data: dataset creation and the training pipeline.

* :mod:`madlc.data.trainingset`: ``create_multianimaltraining_dataset`` and the readers evaluation uses
  (``load_merged_labels``, ``load_split``, ``load_training_data``, ``keypoints_for_split``).
* :mod:`madlc.data.labels`: merged labels and the ``(n_images, n_slots, n_joints, 2)`` keypoint contract.
* :mod:`madlc.data.augment`, :mod:`madlc.data.targets`, :mod:`madlc.data.dataset`: crops, augmentation,
  target maps, the torch Dataset and LightningDataModule (these import torch/albumentations).
"""

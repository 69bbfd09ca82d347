"""Training data for the network (torch): crops and augmentation (:mod:`~madlc.nn.data.augment`),
target maps (:mod:`~madlc.nn.data.targets`), the Dataset and LightningDataModule (:mod:`~madlc.nn.data.dataset`).

The training set itself is written by :mod:`madlc.stages.create_multianimaltraining_dataset` and read
back with :mod:`madlc.project.trainingset`; labels and the ``(n_images, n_slots, n_joints, 2)`` keypoint
contract are :mod:`madlc.project.labels`.
"""

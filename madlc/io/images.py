"""Images of a project (labeled-data/*.png): read as RGB arrays."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from madlc.errors import file_error


def read_image(path: Path) -> np.ndarray:
    """RGB uint8 (H, W, 3); a missing or unreadable file raises FormatError naming it."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise file_error(path, "image missing or unreadable", "restore it or re-create the training dataset")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)

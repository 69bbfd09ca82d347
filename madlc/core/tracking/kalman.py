"""A separable constant-velocity Kalman filter for tracker states.

Every tracked quantity (a box's centre and size, an ellipse's parameters, each
keypoint coordinate of a skeleton) is filtered as an independent scalar with a
2-d state ``(value, velocity)``. The filter is vectorised over the ``d``
quantities of one track, and a quantity that is not measured in a frame (a missing
keypoint: NaN) is simply not updated, so partial poses need no special cases.
"""
from __future__ import annotations

import numpy as np


class ConstantVelocityKF:
    """``d`` independent constant-velocity filters (state: value, velocity per quantity).

    Args:
        z: (d,) first measurement; NaN entries start unobserved and are initialised
            by their first finite measurement.
        measurement_std: (d,) or scalar, std of one measurement.
        process_std: (d,) or scalar, std of the per-frame acceleration noise.
        velocity_std: (d,) or scalar, prior std of the (unknown) initial velocity.
    """

    def __init__(self, z: np.ndarray, measurement_std: float | np.ndarray = 1.0,
                 process_std: float | np.ndarray = 1.0, velocity_std: float | np.ndarray = 10.0) -> None:
        z = np.asarray(z, dtype=float)
        d = z.shape[0]
        self.r = np.broadcast_to(np.asarray(measurement_std, float) ** 2, (d,)).copy()
        self.q = np.broadcast_to(np.asarray(process_std, float) ** 2, (d,)).copy()
        self.v0 = np.broadcast_to(np.asarray(velocity_std, float) ** 2, (d,)).copy()
        self.x = np.where(np.isfinite(z), z, np.nan)  # value
        self.v = np.zeros(d)  # velocity
        # covariance entries [[p_xx, p_xv], [p_xv, p_vv]] per quantity
        self.pxx = self.r.copy()
        self.pxv = np.zeros(d)
        self.pvv = self.v0.copy()

    def predict(self, steps: int = 1) -> np.ndarray:
        """Advance ``steps`` frames; returns the predicted values (d,)."""
        for _ in range(max(int(steps), 0)):
            self.x = self.x + self.v
            # P = F P F^T + Q with F = [[1, 1], [0, 1]], Q = q * [[1/4, 1/2], [1/2, 1]] (piecewise white accel.)
            pxx = self.pxx + 2 * self.pxv + self.pvv + self.q / 4
            pxv = self.pxv + self.pvv + self.q / 2
            pvv = self.pvv + self.q
            self.pxx, self.pxv, self.pvv = pxx, pxv, pvv
        return self.x.copy()

    def update(self, z: np.ndarray, measurement_std: float | np.ndarray | None = None) -> None:
        """Correct with the measurement ``z`` (d,); NaN entries are skipped.

        ``measurement_std`` overrides the filter's measurement noise for this update.
        """
        z = np.asarray(z, dtype=float)
        if measurement_std is not None:
            self.r = np.broadcast_to(np.asarray(measurement_std, float) ** 2, z.shape).copy()
        seen = np.isfinite(z)
        new = seen & ~np.isfinite(self.x)
        if new.any():  # first observation of a quantity: initialise it
            self.x[new] = z[new]
            self.v[new] = 0.0
            self.pxx[new] = self.r[new]
            self.pxv[new] = 0.0
            self.pvv[new] = self.v0[new]
        upd = seen & ~new
        if not upd.any():
            return
        s = self.pxx[upd] + self.r[upd]
        kx = self.pxx[upd] / s
        kv = self.pxv[upd] / s
        resid = z[upd] - self.x[upd]
        self.x[upd] += kx * resid
        self.v[upd] += kv * resid
        pxx, pxv, pvv = self.pxx[upd], self.pxv[upd], self.pvv[upd]
        self.pxx[upd] = (1 - kx) * pxx
        self.pxv[upd] = (1 - kx) * pxv
        self.pvv[upd] = pvv - kv * pxv

    def position_std(self) -> np.ndarray:
        """(d,) current std of the filtered values."""
        return np.sqrt(np.maximum(self.pxx, 0.0))


class PoseKF:
    """A pose = a moving centre (constant-velocity Kalman filter) + slowly changing part offsets.

    All body parts share the centre's velocity, so the velocity is estimated from every
    visible part at once (far less noisy than one filter per part), and a missing part is
    predicted from its last offset. The centre is measured robustly (median over the
    visible parts of ``part - offset``), so a part given to the wrong animal or an
    outlier barely moves it.

    Args:
        pose: (k, 2) first detection (NaN for missing parts; at least one part seen).
        measurement_std: px std of one keypoint.
        process_std: px/frame^2 std of the centre's acceleration.
        offset_rate: how fast offsets follow the measured shape (0-1 per frame).
    """

    def __init__(self, pose: np.ndarray, measurement_std: float = 2.0, process_std: float = 1.0,
                 offset_rate: float = 0.5) -> None:
        pose = np.asarray(pose, float)
        seen = np.isfinite(pose).all(1)
        centre = pose[seen].mean(0) if seen.any() else np.zeros(2)
        self.offsets = np.where(seen[:, None], pose - centre, np.nan)
        self.known = seen.copy()
        # centre filter, both axes share one covariance (same noise on x and y)
        self.x = centre.copy()
        self.v = np.zeros(2)
        self.r = float(measurement_std) ** 2
        self.q = float(process_std) ** 2
        self.pxx, self.pxv, self.pvv = self.r, 0.0, 100.0 * self.q
        self.measurement_std = measurement_std
        self.offset_rate = offset_rate

    def predict(self, steps: int = 1) -> np.ndarray:
        """Advance ``steps`` frames; returns the predicted pose (k, 2) (NaN for never-seen parts)."""
        for _ in range(max(int(steps), 0)):
            self.x = self.x + self.v
            self.pxx, self.pxv, self.pvv = (self.pxx + 2 * self.pxv + self.pvv + self.q / 4,
                                            self.pxv + self.pvv + self.q / 2, self.pvv + self.q)
        return self.pose()

    def pose(self) -> np.ndarray:
        return self.x[None, :] + self.offsets

    def update(self, pose: np.ndarray) -> None:
        pose = np.asarray(pose, float)
        seen = np.isfinite(pose[:, 0]) & np.isfinite(pose[:, 1])
        use = seen & self.known
        n = int(use.sum())
        if n:
            centre = _median2(pose[use] - self.offsets[use])
            r = self.r / n
        elif seen.any():
            centre = pose[seen].mean(0)
            r = self.r
        else:
            return
        s = self.pxx + r
        kx, kv = self.pxx / s, self.pxv / s
        resid = centre - self.x
        self.x = self.x + kx * resid
        self.v = self.v + kv * resid
        self.pxx, self.pxv, self.pvv = (1 - kx) * self.pxx, (1 - kx) * self.pxv, self.pvv - kv * self.pxv
        resid = pose - self.x[None, :]
        new = seen & ~self.known
        if new.any():
            self.offsets[new] = resid[new]
            self.known |= new
        upd = seen & ~new
        self.offsets[upd] += self.offset_rate * (resid[upd] - self.offsets[upd])


def _median2(a: np.ndarray) -> np.ndarray:
    """Column medians of a small (n, 2) array (faster than np.median for tiny inputs)."""
    n = len(a)
    if n == 1:
        return a[0].copy()
    s = np.sort(a, axis=0)
    return 0.5 * (s[(n - 1) // 2] + s[n // 2])

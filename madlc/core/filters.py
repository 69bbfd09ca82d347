"""Filters that smooth tracked poses over time (what ``filterpredictions`` applies).

Each filter works on one coordinate series at a time (per individual, body part and x/y).
A point is *valid* filter input when it has coordinates and ``likelihood >= p_bound``;
invalid points never feed the filter. What a filter may write:

- ``median``: a centred running median of the valid points in ``windowlength`` frames,
  written only where the input has coordinates (a one-frame jump is removed; a missing
  point stays missing). Likelihoods are not changed.
- ``arima``: a SARIMAX(ARdegree, 0, MAdegree) state-space model with a constant, fitted to the
  valid points; the smoothed estimate is written where the input has coordinates.
  Likelihoods are not changed.
- ``spline``: a smoothing cubic spline (slight smoothing, see ``SPLINE_LAMBDA``) through the valid
  points of each stretch whose gaps are at most ``windowlength`` frames; it also fills those short gaps, and filled points get
  likelihood 0.01 (FORMATS.md §7.4), so a labeled video hides them unless pcutoff <= 0.01.
"""
from __future__ import annotations

import warnings

import numpy as np

from madlc.errors import ConfigError


FILLED_LIKELIHOOD = 0.01


FILTER_TYPES = ("median", "arima", "spline")


#: roughness penalty of the smoothing spline (frames**3): an equivalent kernel of about
#: lambda**0.25 = 2 frames, i.e. slight smoothing. A fixed value keeps the fit linear in time
#: (choosing it by cross-validation costs ~1 ms per frame).
SPLINE_LAMBDA = 16.0


def _valid_series(values: np.ndarray, likelihood: np.ndarray, p_bound: float) -> np.ndarray:
    """``values`` with invalid points (NaN or likelihood < p_bound) set to NaN."""
    with np.errstate(invalid="ignore"):
        ok = ~np.isnan(values) & ~(likelihood < p_bound)
    return np.where(ok, values, np.nan)


def median_filter(values: np.ndarray, likelihood: np.ndarray, windowlength: int = 5,
                  p_bound: float = 0.001) -> np.ndarray:
    """Running median of one series ``(n_frames,)`` over valid points; missing stays missing."""
    w = max(1, int(windowlength))
    w += (w + 1) % 2  # odd window, centred
    half = w // 2
    valid = _valid_series(values, likelihood, p_bound)
    padded = np.concatenate([np.full(half, np.nan), valid, np.full(half, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        med = np.nanmedian(windows, axis=1)
    return np.where(np.isnan(values), np.nan, np.where(np.isnan(med), values, med))


def arima_filter(values: np.ndarray, likelihood: np.ndarray, p_bound: float = 0.001, ARdegree: int = 3,
                 MAdegree: int = 1, alpha: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """SARIMAX-smoothed series and its ``(n_frames, 2)`` confidence interval at level ``alpha``.

    Series with too few valid points for the model are returned unchanged (CI NaN).
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    valid = _valid_series(values, likelihood, p_bound)
    n_ok = int(np.sum(~np.isnan(valid)))
    ci = np.full((len(values), 2), np.nan)
    if n_ok < max(10, 3 * (ARdegree + MAdegree + 2)):
        return values.copy(), ci
    offset = float(np.nanmean(valid))
    scale = float(np.nanstd(valid)) or 1.0
    model = SARIMAX((valid - offset) / scale, order=(int(ARdegree), 0, int(MAdegree)), trend="c",
                    measurement_error=True, enforce_stationarity=False, enforce_invertibility=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = model.fit(disp=False, maxiter=50)
            pred = fit.get_prediction(information_set="smoothed")
            mean = np.asarray(pred.predicted_mean) * scale + offset
            ci = np.asarray(pred.conf_int(alpha=alpha)) * scale + offset
        except (np.linalg.LinAlgError, ValueError):
            return values.copy(), ci
    return np.where(np.isnan(values), np.nan, mean), ci


def _segments(ok: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """``[start, stop)`` stretches of valid points whose internal gaps are <= max_gap frames."""
    idx = np.flatnonzero(ok)
    if not idx.size:
        return []
    breaks = np.flatnonzero(np.diff(idx) - 1 > max_gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    stops = np.concatenate([idx[breaks] + 1, [idx[-1] + 1]])
    return list(zip(starts.tolist(), stops.tolist()))


def spline_filter(values: np.ndarray, likelihood: np.ndarray, windowlength: int = 5,
                  p_bound: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """Smoothing-spline series and a mask of the points it filled (gaps <= windowlength frames)."""
    from scipy.interpolate import make_smoothing_spline

    valid = _valid_series(values, likelihood, p_bound)
    ok = ~np.isnan(valid)
    out = values.copy()
    for start, stop in _segments(ok, int(windowlength)):
        t = np.arange(start, stop)
        tk = t[ok[start:stop]]
        yk = valid[start:stop][ok[start:stop]]
        if len(tk) >= 5:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out[start:stop] = make_smoothing_spline(tk, yk, lam=SPLINE_LAMBDA)(t)
                    continue
                except (ValueError, np.linalg.LinAlgError):
                    pass
        out[start:stop] = np.interp(t, tk, yk)
    filled = np.isnan(values) & ~np.isnan(out)
    out = np.where(np.isnan(values) & ~filled, np.nan, out)
    return out, filled


def filter_array(data: np.ndarray, filtertype: str = "median", windowlength: int = 5, p_bound: float = 0.001,
                 ARdegree: int = 3, MAdegree: int = 1, alpha: float = 0.01, progress: bool = False) -> np.ndarray:
    """Filter a tracks array ``(n_frames, n_individuals, n_bodyparts, 3)``; returns a new array."""
    if filtertype not in FILTER_TYPES:
        raise ConfigError(f"unknown filtertype {filtertype!r}. What to do: use one of {', '.join(FILTER_TYPES)}.")
    out = np.array(data, dtype=float, copy=True)
    n_ind, n_bpt = data.shape[1:3]
    pairs = [(i, b) for i in range(n_ind) for b in range(n_bpt) if not np.all(np.isnan(data[:, i, b, 0]))]
    if progress and filtertype != "median":
        from tqdm import tqdm

        pairs = tqdm(pairs, desc=f"{filtertype} filter", unit="part")
    for i, b in pairs:
        like = data[:, i, b, 2]
        if filtertype == "spline":
            fx, filled_x = spline_filter(data[:, i, b, 0], like, windowlength, p_bound)
            fy, filled_y = spline_filter(data[:, i, b, 1], like, windowlength, p_bound)
            both = filled_x & filled_y
            out[:, i, b, 0] = np.where(filled_x & ~both, np.nan, fx)
            out[:, i, b, 1] = np.where(filled_y & ~both, np.nan, fy)
            out[both, i, b, 2] = FILLED_LIKELIHOOD
        for c in (0, 1):
            if filtertype == "median":
                out[:, i, b, c] = median_filter(data[:, i, b, c], like, windowlength, p_bound)
            elif filtertype == "arima":
                out[:, i, b, c] = arima_filter(data[:, i, b, c], like, p_bound, ARdegree, MAdegree, alpha)[0]
    return out

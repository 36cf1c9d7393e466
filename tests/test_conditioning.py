"""Signal conditioning: sorting, de-duplication, spike rules and resampling, on constructed signals
and on the real Berkeley-MHAD, MMAct and UTD-MHAD files in ../shared (in place; skipped if absent)."""

from __future__ import annotations

import numpy as np
import pytest
from repo_paths import SHARED_DATA, _need

from vskd.data.adapters import Recording, get_adapter
from vskd.data.conditioning import Conditioning, condition, conditioned, resample, sort_and_dedupe
from vskd.data.readers import DataFileError

BERKELEY_ACC = SHARED_DATA / "berkeley-mhad" / "Accelerometer"
SHIMMER = get_adapter("berkeley_mhad").spec("shimmer01")


def rec(times, values, rate=30.0, channels=("acc_x", "acc_y", "acc_z"), source="test.txt"):
    values = np.asarray(values, float)
    if values.ndim == 1:
        values = np.repeat(values[:, None], len(channels), 1)
    return Recording("s", channels, values, None if times is None else np.asarray(times, float), rate, source)


def test_sort_and_dedupe_average_repeated_timestamps():
    t = np.array([0.0, 0.02, 0.01, 0.02, 0.03])
    v = np.array([[0.0], [2.0], [1.0], [4.0], [3.0]])
    ts, vs, back, dups = sort_and_dedupe(t, v)
    np.testing.assert_array_equal(ts, [0.0, 0.01, 0.02, 0.03])
    np.testing.assert_array_equal(vs[:, 0], [0.0, 1.0, 3.0, 3.0])  # (2 + 4) / 2 at t = 0.02
    assert (back, dups) == (1, 1)


def test_irregular_linear_signal_resamples_exactly():
    rng = np.random.default_rng(0)
    t = np.sort(rng.uniform(0, 4, 120))
    t[0], t[-1] = 0.0, 4.0
    out, rep = condition(rec(t, 0.3 * t - 0.5), Conditioning(rate_hz=25.0))
    grid = np.arange(101) / 25.0
    np.testing.assert_allclose(out[:, 0], 0.3 * grid - 0.5, atol=1e-12)
    assert rep.n_out == 101


def test_bursty_sine_is_recovered_and_downsampling_is_antialiased():
    rng = np.random.default_rng(1)
    # Bluetooth-like bursts: samples arrive in clumps, with a 0.5 s gap
    t = np.concatenate([np.sort(rng.uniform(0, 2, 70)), np.sort(rng.uniform(2.5, 5, 80))])
    sig = np.sin(2 * np.pi * 0.5 * t)
    out, _ = condition(rec(t, sig), Conditioning(rate_hz=20.0))
    grid = t[0] + np.arange(len(out)) / 20.0
    err = np.abs(out[:, 0] - np.sin(2 * np.pi * 0.5 * grid))
    gap = (grid > t[69]) & (grid < t[70])
    assert gap.sum() >= 9 and err[~gap].max() < 0.03
    # across the gap: the chord between the samples either side (no invented detail)
    chord = np.interp(grid[gap], [t[69], t[70]], [sig[69], sig[70]])
    np.testing.assert_allclose(out[gap, 0], chord, atol=1e-12)
    # 100 Hz with a 45 Hz component, to 10 Hz: the moving average removes most of it
    t2 = np.arange(1000) / 100.0
    noisy = np.sin(2 * np.pi * 0.3 * t2) + 0.5 * np.sin(2 * np.pi * 45 * t2)
    down = resample(t2, np.stack([noisy], 1), 10.0)[:, 0]
    truth = np.sin(2 * np.pi * 0.3 * (np.arange(len(down)) / 10.0))
    assert np.max(np.abs(down - truth)[2:-2]) < 0.12


def test_range_rule_drops_corrupt_rows_and_keeps_saturation():
    t = np.arange(40) / 30.0
    v = np.tile([[0.5, -0.2, 1.0]], (40, 1))
    v[10] = [60.7, -2.0, 1.0]  # a corrupt packet as in the real files
    v[20:23, 0] = 2.0  # real saturation at the rail
    out, rep = condition(rec(t, v), Conditioning(rate_hz=30.0, despike="auto"), SHIMMER)
    assert rep.spikes == 1
    np.testing.assert_allclose(out[10], [0.5, -0.2, 1.0])
    np.testing.assert_array_equal(out[20:23, 0], 2.0)
    out_none, rep_none = condition(rec(t, v), Conditioning(rate_hz=30.0, despike="none"), SHIMMER)
    assert rep_none.spikes == 0 and out_none[10, 0] == pytest.approx(60.7)


def test_hampel_rule_removes_an_in_range_two_sample_spike():
    t = np.arange(60) / 30.0
    v = np.stack([0.3 * np.sin(2 * np.pi * 0.5 * t)] * 3, 1)
    v[30:32, 1] += 1.8
    out, rep = condition(rec(t, v), Conditioning(rate_hz=30.0, despike="hampel", hampel_floor=0.5), SHIMMER)
    assert rep.spikes == 2
    assert np.max(np.abs(out[:, 1] - 0.3 * np.sin(2 * np.pi * 0.5 * t))) < 0.05
    _, rep_range = condition(rec(t, v), Conditioning(rate_hz=30.0, despike="range"), SHIMMER)
    assert rep_range.spikes == 0


@pytest.mark.parametrize(
    "times,values,match",
    [
        ([1.0, 1.0, 1.0], [0.1, 0.2, 0.3], "positive time span"),
        ([0.0, 0.1, 0.2], [50.0, 50.0, 50.0], "0 usable sample"),
    ],
)
def test_degenerate_recordings_raise_datafileerror_naming_the_file(times, values, match):
    with pytest.raises(DataFileError, match=match) as err:
        condition(rec(times, values, source="/data/acc_h01_s01_a01_r01.txt"), Conditioning(), SHIMMER)
    assert "/data/acc_h01_s01_a01_r01.txt" in str(err.value)


def test_unknown_rule_is_rejected():
    with pytest.raises(ValueError, match="unknown despike rule"):
        Conditioning.from_config({"despike": "median"})


# ---- real files ----------------------------------------------------------------------------
def test_utd_recordings_pass_unchanged(utd_inertial_dir):
    u = get_adapter("utd_mhad")
    r = u.read_sensor_file(utd_inertial_dir / "a1_s1_t1_inertial.mat")
    out, rep = condition(r, Conditioning(), u.spec("imu"))
    np.testing.assert_array_equal(out, r.values)
    assert rep.spikes == 0 and rep.n_out == len(r.values)


def test_real_berkeley_files_range_rule_removes_exactly_the_16_glitches():
    b = get_adapter("berkeley_mhad")
    acc = _need(BERKELEY_ACC)
    cfg = Conditioning(rate_hz=30.0)
    dropped, files, lengths = 0, 0, []
    for path in sorted(acc.rglob("acc_h*.txt")):
        ref = b.parse_file(path)
        r = b.read_sensor_file(path, ref.name)
        out, rep = condition(r, cfg, b.spec(ref.name))
        assert np.abs(out).max() <= 2.0 * cfg.range_margin
        dropped += rep.spikes
        files += rep.spikes > 0
        lengths.append(abs(rep.n_out - (r.times[-1] - r.times[0]) * 30.0) < 1.0)
    assert (dropped, files) == (16, 16)
    assert all(lengths)


def test_real_berkeley_glitch_file():
    b = get_adapter("berkeley_mhad")
    path = _need(BERKELEY_ACC) / "Shimmer04" / "acc_h04_s08_a06_r03.txt"
    r = b.read_sensor_file(path, "shimmer04")
    assert r.values.max() == pytest.approx(60.748047)
    u = conditioned(r, Conditioning(rate_hz=50.0), b.spec("shimmer04"))
    assert u.times is None and u.rate_hz == 50.0 and np.abs(u.values).max() < 2.0


def test_real_mmact_csv_is_sorted_deduplicated_and_resampled(reference_dir):
    m = get_adapter("mmact")
    r = m.read_sensor_file(reference_dir / "carrying.csv", "acc_phone")
    out, rep = condition(r, Conditioning(), m.spec("acc_phone"))
    assert rep.reordered == 6
    t_sorted, v_sorted, _, _ = sort_and_dedupe(r.times, r.values)
    assert rep.duplicates == len(r.times) - len(t_sorted)
    assert rep.n_out == int(np.floor((t_sorted[-1] - t_sorted[0]) * 100 + 1e-9)) + 1
    grid = t_sorted[0] + np.arange(rep.n_out) / 100.0
    np.testing.assert_allclose(out[:, 2], np.interp(grid, t_sorted, v_sorted[:, 2]))
    assert 88 < rep.rate_in_hz < 112

"""The shared statistics helpers against numpy and hand-worked values."""

import numpy as np
import pytest

from model.stats import sorted_row_percentiles


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 20, 101, 1000, 10_001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percentiles_of_sorted_rows_equal_numpys(n, dtype):
    rng = np.random.default_rng(n)
    for values in (rng.standard_normal((3, n)) * 250.0, rng.integers(-3, 3, (3, n)).astype(float),
                   np.round(rng.standard_normal((3, n)), 2), 5.0 + 1e-8 * rng.standard_normal((3, n))):
        rows = np.sort(values.astype(dtype), axis=1)
        for percents in ((5, 50, 95), (2.5, 50.0, 97.5, 25.0)):
            expected = np.percentile(rows, percents, axis=1)
            got = sorted_row_percentiles(rows, percents)
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)  # to the bit (a zero's sign aside)


def test_percentiles_of_sorted_rows_by_hand():
    rows = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 10.0, 10.0, 20.0]])
    # virtual index (5 - 1) q: 0.2, 2.0 and 3.8 -> 1.2, 3, 4.8 and 0, 10, 18
    np.testing.assert_array_equal(sorted_row_percentiles(rows, (5, 50, 95)),
                                  [[1.2, 0.0], [3.0, 10.0], [4.8, 18.0]])
    with_nan = np.array([[1.0, 2.0, np.nan]])
    assert np.isnan(sorted_row_percentiles(with_nan, (50,))).all()

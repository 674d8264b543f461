"""The counter-based generator: known-answer vectors, stream addressing, normal distribution."""

import hashlib

import numpy as np
import pytest
from scipy import stats

from pdlt import _core

# Random123 tests/kat_vectors (D. E. Shaw Research): counter[4], key[2] -> output[4].
KAT = [
    ([0x00000000] * 4, [0x00000000] * 2, [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_philox_known_answers(counter, key, expected):
    assert _core.philox4x32_10(counter, key) == expected


def test_streams_are_addressable_and_distinct():
    whole = _core.normals(7, 3, 17, 0, 1000)
    np.testing.assert_array_equal(_core.normals(7, 3, 17, 123, 200), whole[123:323])  # any offset, any length
    assert not np.array_equal(_core.normals(8, 3, 17, 0, 1000), whole)  # seed
    assert not np.array_equal(_core.normals(7, 4, 17, 0, 1000), whole)  # network
    assert not np.array_equal(_core.normals(7, 3, 18, 0, 1000), whole)  # tag
    assert not np.array_equal(_core.normals(7, 2**32 + 3, 17, 0, 1000), whole)  # 64-bit network index


def test_box_muller_from_the_philox_words():
    """Element 4 j + m of a stream is Box-Muller on the words of Philox block j (independent
    transcription in NumPy: r = sqrt(-2 log u), u = (w0 + 1/2) 2^-32, t = 2 pi (w1 + 1/2) 2^-32)."""
    seed, network, tag = 2**40 + 5, 2**33 + 9, 0x51
    key = [seed & 0xFFFFFFFF, seed >> 32]
    z = _core.normals(seed, network, tag, 0, 40)
    for j in range(10):
        w = _core.philox4x32_10([j, tag, network & 0xFFFFFFFF, network >> 32], key)
        expected = []
        for wr, wt in ((w[0], w[1]), (w[2], w[3])):
            r = np.sqrt(-2 * np.log((wr + 0.5) / 2**32))
            t = 2 * np.pi * (wt + 0.5) / 2**32
            expected += [r * np.cos(t), r * np.sin(t)]
        np.testing.assert_allclose(z[4 * j: 4 * j + 4], expected, rtol=1e-14, atol=1e-14)


def test_normal_moments_and_distribution():
    z = _core.normals(2026, 0, 1, 0, 4_000_000)
    n = len(z)
    for k, exact in ((1, 0.0), (2, 1.0), (3, 0.0), (4, 3.0), (6, 15.0)):
        m = np.mean(z**k)
        se = np.std(z**k) / np.sqrt(n)
        assert abs(m - exact) < 5 * se, (k, m, se)
    assert stats.kstest(z[:500_000], "norm").pvalue > 1e-3
    # pairs of neighbours are uncorrelated (Box-Muller pairs included)
    assert abs(np.mean(z[0::2] * z[1::2])) < 5 / np.sqrt(n / 2)


def test_bits_are_fixed():
    """The stream is part of the reproducibility contract: these bits must never change."""
    z = _core.normals(7, 0, 1, 0, 1000)
    assert hashlib.sha1(z.tobytes()).hexdigest() == "5eeec6e6f1a0ff26a4801b58ba55ed6bf6df451e"

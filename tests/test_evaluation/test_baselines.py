"""The baselines SFNet is compared with (sfvsr_plugin.evaluation)."""
import numpy as np
import pytest

from sfvsr_plugin.evaluation import BLENDING, REPETITION, bicubic_baselines


def test_baselines_blend_and_repeat_the_bicubic_frames():
    rng = np.random.default_rng(0)
    lr = rng.integers(0, 256, (3, 8, 6, 3), dtype=np.uint8)
    out = bicubic_baselines(lr)
    blend, repeat = out[BLENDING], out[REPETITION]
    assert blend.shape == repeat.shape == (5, 32, 24, 3)
    assert blend.dtype == np.float32
    np.testing.assert_array_equal(blend[::2], repeat[::2])
    np.testing.assert_allclose(blend[1], (blend[0] + blend[2]) / 2)
    np.testing.assert_array_equal(repeat[3], repeat[2])
    assert blend.min() >= 0 and blend.max() <= 255
    # a bicubic x4 of a flat frame is that frame
    flat = np.full((2, 4, 4, 3), 77, np.uint8)
    np.testing.assert_allclose(
        bicubic_baselines(flat)[BLENDING], 77, atol=1e-3)
    # x2 too
    assert bicubic_baselines(lr, scale=2)[BLENDING].shape == (5, 16, 12, 3)


def test_baselines_refuse_a_single_frame():
    with pytest.raises(ValueError, match=r'\(t, h, w, c\), got shape'):
        bicubic_baselines(np.zeros((8, 6, 3), np.uint8))

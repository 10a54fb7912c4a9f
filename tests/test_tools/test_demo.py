"""The demo's baselines and its table (tools/demo.py)."""
import numpy as np
import pytest

from .test_inference import load_tool


@pytest.fixture(scope='module')
def demo():
    return load_tool('demo.py')


def test_baselines_blend_and_repeat_the_bicubic_frames(demo):
    rng = np.random.default_rng(0)
    lr = rng.integers(0, 256, (3, 8, 6, 3), dtype=np.uint8)
    out = demo.baselines(lr)
    blend, repeat = out['Bicubic + blending'], out['Bicubic + repetition']
    assert blend.shape == repeat.shape == (5, 32, 24, 3)
    np.testing.assert_array_equal(blend[::2], repeat[::2])
    np.testing.assert_allclose(blend[1], (blend[0] + blend[2]) / 2)
    np.testing.assert_array_equal(repeat[3], repeat[2])
    # a bicubic x4 of a flat frame is that frame
    flat = np.full((2, 4, 4, 3), 77, np.uint8)
    np.testing.assert_allclose(
        demo.baselines(flat)['Bicubic + blending'], 77, atol=1e-3)


def test_summary_splits_inserted_and_reconstructed_frames(demo):
    # one clip of 3 frames: frame 1 is inserted
    per_frame = {
        'A': [('c', 0, 30., 0.9), ('c', 1, 20., 0.5), ('c', 2, 32., 0.7)],
        'B': [('c', 0, 10., 0.1), ('c', 1, 10., 0.1), ('c', 2, 10., 0.1)],
    }
    rows = demo.summarize(per_frame)
    assert rows[0] == [
        'A', 82 / 3,
        pytest.approx(2.1 / 3), 20., 0.5, 31.,
        pytest.approx(0.8)
    ]
    table = demo.table_markdown(rows)
    assert table.splitlines()[2] == ('| A | 27.33 | 0.7000 | 20.00 | 0.5000 '
                                     '| 31.00 | 0.8000 |')

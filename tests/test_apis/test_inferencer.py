"""SFVSRInferencer: MMagic's video inferencer call shape over restore_video."""
import os

import cv2
import numpy as np
import pytest

from sfvsr_plugin.apis import (OutputError, SFVSRInferencer, init_model,
                               open_reader, restore_video)
from .conftest import NUM_FRAMES, read_video


def _restored(config, checkpoint, video, capacity, **kwargs):
    """What restore_video gives, the reference the inferencer must match."""
    model = init_model(config, checkpoint, capacity=capacity)
    with open_reader(video) as reader:
        return np.stack(list(restore_video(model, reader, **kwargs)))


def test_folder_output_equals_restore_video(tiny_config, tiny_checkpoint,
                                            clip_mp4, tmp_path):
    settings = dict(segment_length=4, overlap=1, tile=20, tile_overlap=8)
    inferencer = SFVSRInferencer(
        tiny_config,
        tiny_checkpoint,
        'cpu',
        extra_parameters=dict(
            capacity=2, start_idx=5, filename_tmpl='f{:03d}.png', **settings))
    out = tmp_path / 'frames'
    result = inferencer(video=clip_mp4, result_out_dir=str(out))
    assert result == dict(
        result_out_dir=str(out), num_frames=2 * NUM_FRAMES - 1, fps=48.0)
    names = sorted(os.listdir(out))
    assert names == [f'f{i:03d}.png' for i in range(5, 5 + 2 * NUM_FRAMES - 1)]
    got = np.stack([cv2.imread(str(out / n))[..., ::-1] for n in names])
    want = _restored(tiny_config, tiny_checkpoint, clip_mp4, 2, **settings)
    assert got.shape == (2 * NUM_FRAMES - 1, 96, 128, 3)
    np.testing.assert_array_equal(got, want)


def test_call_time_parameters_stay_and_change_the_model(
        tiny_config, tiny_checkpoint, clip_folder, tmp_path):
    inferencer = SFVSRInferencer(
        tiny_config,
        tiny_checkpoint,
        'cpu',
        extra_parameters=dict(capacity=1, segment_length=None))
    bounded = inferencer(video=clip_folder)  # no output path: the frames
    np.testing.assert_array_equal(
        bounded,
        _restored(
            tiny_config, tiny_checkpoint, clip_folder, 1, segment_length=None))
    # the paper's unbounded store, set at call time, applies to the model
    full = inferencer(video=clip_folder, extra_parameters=dict(capacity='all'))
    want = _restored(
        tiny_config, tiny_checkpoint, clip_folder, 'all', segment_length=None)
    np.testing.assert_array_equal(full, want)
    assert not np.array_equal(full, bounded)  # capacity 1 reads less
    assert inferencer.extra_parameters['capacity'] == 'all'  # it stays
    # a video out: the frame count and twice the folder's 25 fps
    out = str(tmp_path / 'x4.mp4')
    result = inferencer(video=clip_folder, result_out_dir=out)
    video, fps = read_video(out)
    assert result['num_frames'] == len(video) == 2 * NUM_FRAMES - 1
    assert fps == result['fps'] == 50


def test_refusals_and_per_instance_parameters(tiny_config, tiny_checkpoint,
                                              tmp_path):
    with pytest.raises(FileNotFoundError, match='config file'):
        SFVSRInferencer(str(tmp_path / 'none.py'), tiny_checkpoint, 'cpu')
    with pytest.raises(ValueError, match=r"unknown extra_parameters \['seg"):
        SFVSRInferencer(
            tiny_config,
            tiny_checkpoint,
            'cpu',
            extra_parameters=dict(segment_lenght=4))
    inferencer = SFVSRInferencer(
        tiny_config, tiny_checkpoint, 'cpu', extra_parameters=dict(tile=8))
    # MMagic writes into the class attribute; here each instance has its own
    assert SFVSRInferencer.extra_parameters['tile'] is None
    assert inferencer.extra_parameters['tile'] == 8
    assert 'segment_length' in inferencer.get_extra_parameters()


def test_outputs_never_replace_the_input_or_a_result(tiny_config,
                                                     tiny_checkpoint,
                                                     clip_frames, tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    for i, frame in enumerate(clip_frames[:2]):
        cv2.imwrite(str(folder / f'{i}.png'), frame[..., ::-1])
    before = {n: (folder / n).read_bytes() for n in os.listdir(folder)}
    inferencer = SFVSRInferencer(tiny_config, tiny_checkpoint, 'cpu')
    for out in (folder, folder / 'x4'):
        with pytest.raises(OutputError, match='input'):
            inferencer(video=str(folder), result_out_dir=str(out))
    assert {n: (folder / n).read_bytes() for n in os.listdir(folder)} == before
    out = tmp_path / 'x4.mkv'
    out.write_bytes(b'an earlier result')
    with pytest.raises(OutputError, match='already exists'):
        inferencer(video=str(folder), result_out_dir=str(out))
    assert out.read_bytes() == b'an earlier result'
    result = inferencer(
        video=str(folder),
        result_out_dir=str(out),
        extra_parameters=dict(overwrite=True))
    assert result['num_frames'] == len(read_video(str(out))[0]) == 3

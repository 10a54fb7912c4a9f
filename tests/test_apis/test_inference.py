import contextlib
import copy
import itertools
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sfvsr_plugin.apis import (FolderReader, InputError, OutputError,
                               VideoReader, VideoWriter, init_model,
                               iter_segments, iter_tiles, open_reader,
                               open_writer, restore_video, tiled_forward)
from sfvsr_plugin.apis.planning import _output_range, _stream_segments
from .conftest import NUM_FRAMES, read_video


def _border_distance(j, plan, interpolate=True):
    a, b = _output_range(plan.start, plan.end, interpolate)
    return min(j - a, b - 1 - j)


# --------------------------------------------------------------------------
# plans


@pytest.mark.parametrize('interpolate', [True, False])
def test_segments_partition_outputs_farthest_from_border(interpolate):
    for n, length in itertools.product(range(1, 25), range(1, 9)):
        for overlap in range(int(interpolate), length):
            plans = list(iter_segments(n, length, overlap, interpolate))
            num_out = 2 * n - 1 if interpolate else n
            kept = [j for p in plans for j in range(p.keep_start, p.keep_end)]
            assert kept == list(range(num_out)), (n, length, overlap)
            for p in plans:
                assert p.end - p.start == min(length, n)
                a, b = _output_range(p.start, p.end, interpolate)
                assert a <= p.keep_start < p.keep_end <= b
                for j in range(p.keep_start, p.keep_end):
                    # no other segment has j farther from its border
                    best = max(
                        _border_distance(j, q, interpolate) for q in plans
                        if _output_range(q.start, q.end, interpolate)[0] <= j <
                        _output_range(q.start, q.end, interpolate)[1])
                    assert _border_distance(j, p, interpolate) == best


def test_segment_examples_and_errors():
    assert list(iter_segments(20, 8, 2)) == [(0, 8, 0, 14), (6, 14, 14, 26),
                                             (12, 20, 26, 39)]
    # the last segment moves back to keep its full length
    assert list(iter_segments(10, 8, 2)) == [(0, 8, 0, 10), (2, 10, 10, 19)]
    assert list(iter_segments(5, 8, 2)) == [(0, 5, 0, 9)]
    assert list(iter_segments(5, None)) == [(0, 5, 0, 9)]
    with pytest.raises(ValueError, match='share a frame'):
        list(iter_segments(10, 4, 0))
    with pytest.raises(ValueError, match='overlap < segment_length'):
        list(iter_segments(10, 4, 4))
    assert iter_tiles(10, None) == [(0, 10, 0, 10)]
    assert iter_tiles(50, 16, 4) == [(0, 16, 0, 14), (12, 28, 14, 26),
                                     (24, 40, 26, 37), (34, 50, 37, 50)]


def test_stream_reads_ahead_at_most_one_stride():
    pulled = []

    def frames():
        for i in itertools.count():
            pulled.append(i)
            yield i

    length, overlap = 8, 2
    stream = _stream_segments(frames(), length, overlap)
    for k in range(5):
        plan, seg = next(stream)
        assert seg == list(range(plan.start, plan.end))
        assert len(pulled) <= plan.end + (length - overlap)


# --------------------------------------------------------------------------
# stitching


class LocalNet(nn.Module):
    """Output frame j = mean of the (eq. 1) frames j-r .. j+r that exist,
    upsampled 4x: a net whose temporal context is exactly r output frames.
    """
    interpolate = True

    def __init__(self, radius):
        super().__init__()
        self.radius = radius
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, lqs):
        frames = lqs.new_empty(
            lqs.size(0), 2 * lqs.size(1) - 1, *lqs.shape[2:])
        frames[:, 0::2] = lqs
        frames[:, 1::2] = 0.5 * (lqs[:, :-1] + lqs[:, 1:])
        num = frames.size(1)
        out = torch.stack([
            frames[:, max(0, j - self.radius):j + self.radius + 1].mean(1)
            for j in range(num)
        ], 1)
        return F.interpolate(
            out.flatten(0, 1),
            scale_factor=4).view(*out.shape[:3], 4 * out.size(-2),
                                 4 * out.size(-1)) + self.dummy


def _random_frames(n, h=6, w=5, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_stitching_is_exact_where_the_context_fits_in_the_segment():
    net, n, radius = LocalNet(radius=3), 13, 3
    frames = _random_frames(n)
    whole = torch.stack(list(restore_video(net, frames, None, as_uint8=False)))
    assert whole.shape == (2 * n - 1, 3, 24, 20)
    # every kept frame is >= 3 outputs from its segment border: all exact
    seg = torch.stack(list(restore_video(net, frames, 6, 4, as_uint8=False)))
    torch.testing.assert_close(seg, whole, rtol=0, atol=1e-4)
    # overlap 1: kept frames near a seam miss context, exactly those differ
    plans = list(iter_segments(n, 6, 1))
    seg = torch.stack(list(restore_video(net, frames, 6, 1, as_uint8=False)))
    for p in plans:
        for j in range(p.keep_start, p.keep_end):
            a, b = _output_range(p.start, p.end, True)
            full_context = (a == 0 or j - radius >= a) and (b == 2 * n - 1
                                                            or j + radius < b)
            same = torch.allclose(seg[j], whole[j], atol=1e-4)
            assert same == full_context, (p, j)


@pytest.fixture
def tiny_model(tiny_config, tiny_checkpoint):
    return init_model(tiny_config, tiny_checkpoint, capacity='all')


@pytest.fixture
def calm_model(tiny_model):
    """The tiny model with a contractive recurrence and a weak distant fetch.

    A freshly Kaiming-initialised SFNet passes its hidden state on at full
    strength, so a seam's effect need not fade with distance. Scaling the
    convs that make the next hidden state by 0.1, and the last conv of every
    DF decoder by 0.01, makes the influence of far frames die out, which is
    what the seam and tile tests below measure. DF reads every stored state,
    however far: at 0.1 its share alone left the error 4 frames from a seam
    above a tenth of the seam's in about half of the random draws.
    """
    model = copy.deepcopy(tiny_model)
    with torch.no_grad():
        for module in (model.generator.backward_module,
                       model.generator.forward_module):
            module.dynamic_selection.conv_hidden.weight.mul_(0.1)
            if module.distant_fetch is not None:
                for decoder in module.distant_fetch.decoders.values():
                    decoder[-1].weight.mul_(0.01)
    return model


def test_sfnet_segments_match_the_whole_sequence(calm_model):
    """SFNet is recurrent in both directions: every output depends on every
    input, so a segmented run equals the whole-sequence run exactly only
    when one segment covers the video. Elsewhere the difference is largest
    at the seams and (for a model whose recurrence is contractive) dies out
    within a few frames of them."""
    tiny_model = calm_model
    n = 10
    frames = _random_frames(n, 12, 12, seed=1)
    whole = torch.stack(
        list(restore_video(tiny_model, frames, None, as_uint8=False)))
    one = torch.stack(
        list(restore_video(tiny_model, frames, n, 2, as_uint8=False)))
    torch.testing.assert_close(one, whole, rtol=0, atol=1e-4)

    plans = list(iter_segments(n, 5, 1))
    seg = torch.stack(
        list(restore_video(tiny_model, frames, 5, 1, as_uint8=False)))
    err = (seg - whole).flatten(1).abs().amax(1)
    assert err.max() < 1.0  # of 255
    assert err.max() > 1e-5  # seams are real: not a whole-sequence run
    dist = torch.tensor([
        _border_distance(j, p) for p in plans
        for j in range(p.keep_start, p.keep_end)
    ])
    seam_frames = [p.keep_end - 1 for p in plans[:-1]]
    assert int(
        err.argmax()) in [j + d for j in seam_frames for d in (-1, 0, 1)]
    assert err[dist >= 4].max() < 0.1 * err.max()
    # more overlap, smaller seams
    seg4 = torch.stack(
        list(restore_video(tiny_model, frames, 6, 3, as_uint8=False)))
    assert (seg4 - whole).abs().max() < (seg - whole).abs().max()


def test_restore_video_is_lazy(tiny_model):
    """Output frames come before the (endless) input stream is consumed."""

    def endless():
        rng = np.random.default_rng(0)
        while True:
            yield rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)

    outs = list(
        itertools.islice(restore_video(tiny_model, endless(), 4, 1), 9))
    assert len(outs) == 9 and outs[0].shape == (32, 32, 3)
    assert outs[0].dtype == np.uint8
    frames = _random_frames(4) + _random_frames(1, 7, 5)
    with pytest.raises(InputError, match=r'frames 0..4 .*\(7, 5, 3\)'):
        list(restore_video(tiny_model, frames, 8, 1))


class LocalConv(nn.Module):
    """Two 3x3 convs (receptive radius 2 LR pixels), then 4x nearest."""

    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 3, 3, padding=1))

    def forward(self, lqs):
        n, t = lqs.shape[:2]
        out = F.interpolate(self.convs(lqs.flatten(0, 1)), scale_factor=4)
        return out.view(n, t, *out.shape[1:])


@torch.no_grad()
def test_tiling_is_exact_within_the_receptive_field():
    net, lqs = LocalConv(), torch.rand(1, 2, 3, 21, 30)
    full = net(lqs)
    # radius 2: each kept pixel is >= overlap // 2 = 2 from a tile border
    torch.testing.assert_close(tiled_forward(net, lqs, 9, 4), full)
    assert not torch.allclose(tiled_forward(net, lqs, 9, 0), full)


@torch.no_grad()
def test_sfnet_tiling(calm_model):
    net, lqs = calm_model.generator, torch.rand(1, 3, 3, 20, 28)
    full = net(lqs)
    assert torch.equal(tiled_forward(net, lqs, 28, 4), full)  # one tile
    tiled = tiled_forward(net, lqs, 12, 8)
    assert tiled.shape == full.shape
    # the distant fetch attends across the frame: close, not exact
    assert 0 < (tiled - full).abs().max() * 255 < 3.0  # gray levels


# --------------------------------------------------------------------------
# model loading


def test_init_model(tiny_config, tiny_checkpoint):
    model = init_model(tiny_config, tiny_checkpoint, capacity=3)
    assert not model.training
    assert model.generator.backward_module.container_capacity == 3
    state = torch.load(tiny_checkpoint)['state_dict']
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert init_model(tiny_config, None, capacity='all').generator \
        .forward_module.container_capacity is None
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        init_model(tiny_config, 'missing.pth')
    with pytest.raises(ValueError, match='capacity'):
        init_model(tiny_config, None, capacity=-1)


def test_bare_sfnet_config_loads_editor_checkpoint(tiny_config,
                                                   tiny_checkpoint):
    from mmengine.config import Config
    cfg = Config.fromfile(tiny_config)
    cfg.model = cfg.model.generator
    net = init_model(cfg, tiny_checkpoint)
    editor = init_model(tiny_config, tiny_checkpoint)
    lqs = torch.rand(1, 2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(net(lqs), editor.generator(lqs))


# --------------------------------------------------------------------------
# readers and writers


def test_folder_reader(clip_folder, clip_frames, tmp_path):
    reader = open_reader(clip_folder)
    assert isinstance(reader, FolderReader)
    assert reader.num_frames == NUM_FRAMES and reader.fps == 25
    assert (reader.width, reader.height) == (32, 24)
    frames = list(reader)
    for got, want in zip(frames, clip_frames):  # RGB, natural order
        np.testing.assert_array_equal(got, want)
    assert len(list(open_reader(clip_folder, fps=10, max_frames=3))) == 3
    # natural order: f2 before f10
    import cv2
    for i in (10, 2):
        cv2.imwrite(
            str(tmp_path / f'f{i}.png'), np.full((4, 4, 3), i, np.uint8))
    assert [f[0, 0, 0] for f in open_reader(str(tmp_path))] == [2, 10]


def test_video_reader_and_writer(clip_mp4, tmp_path):
    reader = open_reader(clip_mp4, max_frames=5)
    assert isinstance(reader, VideoReader)
    assert reader.fps == 24 and reader.num_frames == 5
    frames = list(reader)
    assert len(frames) == 5 and frames[0].shape == (24, 32, 3)
    out = str(tmp_path / 'x.mkv')
    writer = VideoWriter(out, fps=12.5)
    for frame in frames:
        writer.write(frame)
    writer.close()
    video, fps = read_video(out)
    assert video.shape == (5, 24, 32, 3) and fps == 12.5
    # lossy, but close
    assert np.abs(video.astype(int) - np.stack(frames)).mean() < 8


def test_reader_errors_name_the_file(clip_folder, tmp_path):
    import cv2
    with pytest.raises(InputError, match='nope.mp4: no such file'):
        open_reader(str(tmp_path / 'nope.mp4'))
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'notes.txt').write_text('hi')
    with pytest.raises(InputError, match='empty: folder contains no image'):
        open_reader(str(empty))
    fake = tmp_path / 'fake.mp4'
    fake.write_text('not a video at all')
    with pytest.raises(InputError, match='fake.mp4: not a readable video'):
        open_reader(str(fake))
    with pytest.raises(InputError, match='single image'):
        open_reader(osp.join(clip_folder, 'f0.png'))
    corrupt = tmp_path / 'corrupt'
    corrupt.mkdir()
    cv2.imwrite(str(corrupt / '0.png'), np.zeros((8, 8, 3), np.uint8))
    (corrupt / '1.png').write_bytes(b'\x89PNG\r\n\x1a\n garbage')
    with pytest.raises(InputError, match=r'1.png: cannot decode'):
        list(open_reader(str(corrupt)))
    mixed = tmp_path / 'mixed'
    mixed.mkdir()
    cv2.imwrite(str(mixed / '0.png'), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(mixed / '1.png'), np.zeros((8, 6, 3), np.uint8))
    with pytest.raises(InputError, match=r'1.png: frame is 6x8.*8x8'):
        list(open_reader(str(mixed)))
    # a corrupt first frame fails when opening
    (corrupt / '0.png').write_bytes(b'garbage')
    with pytest.raises(InputError, match=r'0.png: cannot decode'):
        open_reader(str(corrupt))


def _spy_on_close(obj):
    """Record the calls of ``obj.close`` (still closing for real)."""
    calls = []
    close = obj.close

    def spy():
        calls.append(True)
        close()

    obj.close = spy
    return calls


def test_readers_and_writers_close_on_leaving_a_with_block(
        clip_folder, clip_mp4, clip_frames, tmp_path):
    makers = dict(
        folder_reader=lambda n: open_reader(clip_folder),
        video_reader=lambda n: open_reader(clip_mp4),
        folder_writer=lambda n: open_writer(str(tmp_path / f'f{n}'), 25),
        video_writer=lambda n: open_writer(str(tmp_path / f'v{n}.mkv'), 25))
    for name, make in makers.items():
        for fail in (False, True):
            obj = make(int(fail))
            calls = _spy_on_close(obj)
            with pytest.raises(KeyError) if fail else contextlib.nullcontext():
                with obj as entered:
                    assert entered is obj
                    if fail:
                        raise KeyError(name)
            # a video writer left by an error aborts instead (below)
            want = [] if fail and name == 'video_writer' else [True]
            assert calls == want, (name, fail)
    # a video writer left by an error leaves no file, complete or not, and
    # an existing file at its path stays as it was
    for existing in (False, True):
        cut = tmp_path / f'cut{existing}.mkv'
        if existing:
            cut.write_bytes(b'an earlier result')
        with pytest.raises(KeyError):
            with open_writer(str(cut), 25, overwrite=existing) as writer:
                for frame in clip_frames[:3]:
                    writer.write(frame)
                raise KeyError('stop')
        assert os.listdir(tmp_path).count(cut.name) == int(existing)
        assert not [n for n in os.listdir(tmp_path) if 'partial' in n]
        if existing:
            assert cut.read_bytes() == b'an earlier result'
    writer.close()  # closing again does nothing
    # a complete file appears under its name only when closed
    done = tmp_path / 'done.mkv'
    with open_writer(str(done), 25) as writer:
        writer.write(clip_frames[0])
        assert not done.exists()
    assert read_video(str(done))[0].shape == (1, 24, 32, 3)
    with pytest.raises(OutputError, match='done.mkv already exists'):
        open_writer(str(done), 25)
    with pytest.raises(OutputError, match='is not empty'):
        open_writer(str(tmp_path), 25)
    # a video reader left by an error has closed its file
    with pytest.raises(KeyError):
        with open_reader(str(done)) as reader:
            raise KeyError('stop')
    with pytest.raises(ValueError, match='done.mkv: the reader is closed'):
        list(reader)

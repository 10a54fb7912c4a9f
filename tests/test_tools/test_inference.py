import csv
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from sfvsr_plugin.apis import init_model, restore_video
from sfvsr_plugin.testing import tiny_sfnet_cfg
from ..test_apis import conftest as shared

# The shared fixtures, local to this module (a conftest here would also put
# the autouse one-thread fixture on the other tools tests).
NUM_FRAMES, read_video = shared.NUM_FRAMES, shared.read_video
_one_thread = shared._one_thread
tiny_config, tiny_checkpoint = shared.tiny_config, shared.tiny_checkpoint
clip_frames, clip_folder = shared.clip_frames, shared.clip_folder
clip_mp4 = shared.clip_mp4

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(*parts):
    path = osp.join(ROOT, 'tools', *parts)
    spec = importlib.util.spec_from_file_location('tool_' + parts[-1][:-3],
                                                  path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, osp.dirname(path))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(osp.dirname(path))
    return module


def one_line_refusal(main, capsys, *args):
    """Run a tool's ``main`` on ``args``; assert it refused with a non-zero
    exit and one message line, no traceback; return that line (shared with
    the other tools' tests)."""
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    message = e.value.code if isinstance(e.value.code, str) else err[-1]
    assert e.value.code != 0
    assert 'Traceback' not in '\n'.join(err)
    assert len(message.splitlines()) == 1
    return message


@pytest.fixture(scope='module')
def inference():
    return load_tool('inference.py')


def test_video_in_video_out(inference, tiny_config, tiny_checkpoint, clip_mp4,
                            tmp_path, capsys):
    out = str(tmp_path / 'out.mp4')
    count = inference.main([
        tiny_config, tiny_checkpoint, clip_mp4, out, '--segment-length', '4',
        '--overlap', '1', '--capacity', '2', '--device', 'cpu'
    ])
    assert count == 2 * NUM_FRAMES - 1
    video, fps = read_video(out)
    assert video.shape == (2 * NUM_FRAMES - 1, 96, 128, 3)
    assert fps == 48  # 2x the clip's 24 fps
    captured = capsys.readouterr()
    assert 'frame/s' in captured.err  # tqdm's rate
    assert '13/13' in captured.err
    assert 'frames/s' in captured.out and '128x96 at 48 fps' in captured.out


def test_folder_in_frames_out(inference, tiny_config, tiny_checkpoint,
                              clip_folder, tmp_path):
    out = tmp_path / 'frames'
    inference.main([
        tiny_config, tiny_checkpoint, clip_folder,
        str(out), '--max-frames', '5', '--segment-length', '3', '--overlap',
        '1', '--tile', '20', '--tile-overlap', '8'
    ])
    names = sorted(os.listdir(out))
    assert names == [f'{i:08d}.png' for i in range(9)]
    # PNGs hold exactly what the API gives for the same settings
    model = init_model(tiny_config, tiny_checkpoint)
    frames = [
        cv2.imread(osp.join(clip_folder, f'f{i}.png'))[..., ::-1]
        for i in range(5)
    ]
    want = list(restore_video(model, frames, 3, 1, tile=20, tile_overlap=8))
    for name, frame in zip(names, want):
        got = cv2.imread(str(out / name))[..., ::-1]
        assert got.shape == (96, 128, 3)
        np.testing.assert_array_equal(got, frame)


def test_ensemble_option(inference, tiny_config, tiny_checkpoint, clip_folder,
                         tmp_path, capsys):
    out = tmp_path / 'frames'
    inference.main([
        tiny_config, tiny_checkpoint, clip_folder,
        str(out), '--max-frames', '2', '--ensemble'
    ])
    assert 'test-time ensemble' in capsys.readouterr().out
    model = init_model(tiny_config, tiny_checkpoint)
    frames = [
        cv2.imread(osp.join(clip_folder, f'f{i}.png'))[..., ::-1]
        for i in range(2)
    ]
    want = list(restore_video(model, frames, ensemble=True))
    plain = list(restore_video(model, frames))
    got = [cv2.imread(str(out / f'{i:08d}.png'))[..., ::-1] for i in range(3)]
    np.testing.assert_array_equal(np.stack(got), np.stack(want))
    assert not np.array_equal(np.stack(got), np.stack(plain))


def test_precision_options(inference, tiny_config, tiny_checkpoint,
                           clip_folder, tmp_path, capsys):
    out = tmp_path / 'frames'
    inference.main([
        tiny_config, tiny_checkpoint, clip_folder,
        str(out), '--max-frames', '3', '--bf16', '--device', 'cpu'
    ])
    assert 'bf16 autocast' in capsys.readouterr().out
    model = init_model(tiny_config, tiny_checkpoint)
    frames = [
        cv2.imread(osp.join(clip_folder, f'f{i}.png'))[..., ::-1]
        for i in range(3)
    ]
    want = np.stack(list(restore_video(model, frames, precision='bf16')))
    got = np.stack(
        [cv2.imread(str(out / f'{i:08d}.png'))[..., ::-1] for i in range(5)])
    np.testing.assert_array_equal(got, want)
    with pytest.raises(SystemExit) as e:
        inference.main([
            tiny_config, tiny_checkpoint, clip_folder,
            str(tmp_path / 'o'), '--fp16', '--device', 'cpu'
        ])
    assert e.value.code == ('error: precision fp16 needs a CUDA device, got '
                            'cpu; use bf16 on a CPU')
    with pytest.raises(SystemExit):  # one precision at a time
        inference.parse_args(['a', 'b', 'c', 'd', '--fp16', '--bf16'])


def test_bad_inputs_exit_with_the_file_and_the_problem(inference, tiny_config,
                                                       tiny_checkpoint,
                                                       tmp_path):

    def run(path, *extra):
        with pytest.raises(SystemExit) as e:
            inference.main([
                tiny_config, tiny_checkpoint,
                str(path),
                str(tmp_path / 'o.mp4'), *extra
            ])
        return str(e.value.code)

    assert 'missing: no such file' in run(tmp_path / 'missing')
    (tmp_path / 'empty').mkdir()
    assert 'empty: folder contains no image' in run(tmp_path / 'empty')
    (tmp_path / 'text.avi').write_text('hello')
    assert 'text.avi: not a readable video' in run(tmp_path / 'text.avi')
    mixed = tmp_path / 'mixed'
    mixed.mkdir()
    for i, w in enumerate((8, 8, 6)):
        cv2.imwrite(str(mixed / f'{i}.png'), np.zeros((8, w, 3), np.uint8))
    msg = run(mixed, '--segment-length', '2', '--overlap', '1')
    assert '2.png: frame is 6x8' in msg
    corrupt = tmp_path / 'corrupt'
    corrupt.mkdir()
    cv2.imwrite(str(corrupt / '0.png'), np.zeros((8, 8, 3), np.uint8))
    (corrupt / '1.png').write_bytes(b'\x89PNG broken')
    assert '1.png: cannot decode' in run(corrupt)
    assert 'share a frame' in run(tmp_path / 'mixed', '--segment-length', '4',
                                  '--overlap', '0')
    with pytest.raises(SystemExit):  # argparse: not a capacity
        inference.parse_args(['a', 'b', 'c', 'd', '--capacity', '-2'])


def _snapshot(path):
    """Bytes of a file, or of every file under a folder, by relative name."""
    if osp.isfile(path):
        return {'': open(path, 'rb').read()}
    return {
        osp.relpath(osp.join(d, f), path): open(osp.join(d, f), 'rb').read()
        for d, _, files in os.walk(path)
        for f in files
    }


def test_the_input_and_earlier_results_are_never_written(
        inference, tiny_config, tiny_checkpoint, clip_frames, clip_mp4,
        tmp_path, capsys):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(clip_frames[:3]):
        cv2.imwrite(str(folder / f'{i}.png'), frame[..., ::-1])
    video = tmp_path / 'clip.mp4'
    video.write_bytes(open(clip_mp4, 'rb').read())
    (tmp_path / 'link.mp4').symlink_to(video)
    inputs = {p: _snapshot(p) for p in (str(folder), str(video))}
    # checked before the model is loaded: a missing checkpoint is not
    # reached, whatever --overwrite says
    cases = [
        (video, video, 'is the input'),
        (video, tmp_path / 'link.mp4', 'is the input'),
        (folder, folder, 'is the input'),
        (folder, folder / 'x4', 'lies inside the input folder'),
        (folder, folder / 'x4.mp4', 'lies inside the input folder'),
        (folder, tmp_path, 'contains the input'),
    ]
    for source, out, words in cases:
        for extra in ((), ('--overwrite', )):
            line = one_line_refusal(inference.main, capsys, tiny_config,
                                    tmp_path / 'no.pth', source, out, *extra)
            assert line.startswith('error: output') and words in line, line
    assert {p: _snapshot(p) for p in inputs} == inputs
    # an earlier result stays unless --overwrite; then it is replaced
    out = tmp_path / 'x4.mp4'
    out.write_bytes(b'an earlier result')
    line = one_line_refusal(inference.main, capsys, tiny_config,
                            tiny_checkpoint, folder, out)
    assert 'x4.mp4 already exists: pass --overwrite' in line
    assert out.read_bytes() == b'an earlier result'
    frames_out = tmp_path / 'x4_frames'
    frames_out.mkdir()
    (frames_out / 'notes.txt').write_text('mine')
    line = one_line_refusal(inference.main, capsys, tiny_config,
                            tiny_checkpoint, folder, frames_out)
    assert 'x4_frames is not empty: pass --overwrite' in line
    assert os.listdir(frames_out) == ['notes.txt']
    assert inference.main(
        [tiny_config, tiny_checkpoint,
         str(folder),
         str(out), '--overwrite']) == 5
    assert read_video(str(out))[0].shape == (5, 96, 128, 3)
    assert not [n for n in os.listdir(tmp_path) if 'partial' in n]
    assert {p: _snapshot(p) for p in inputs} == inputs


def test_configs_without_a_model_are_one_line_errors(inference,
                                                     tiny_checkpoint,
                                                     clip_folder, tmp_path,
                                                     capsys):
    config = tmp_path / 'no_model.py'
    config.write_text('work_dir = "w"\n')
    line = one_line_refusal(inference.main, capsys, config, tiny_checkpoint,
                            clip_folder, tmp_path / 'out')
    assert line == (f"error: config {config} has no 'model', which inference "
                    'needs: add it or inherit a base config that has them '
                    '(e.g. configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi.py)')
    # a whole process: the refusal is all it prints (no traceback, and no
    # deprecation notice of the stack ahead of it)
    proc = subprocess.run(
        [sys.executable,
         osp.join(ROOT, 'tools', 'train.py'),
         str(config)],
        capture_output=True,
        text=True,
        cwd=str(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ''
    assert proc.stderr.splitlines() == [
        f"error: config {config} has no 'model', 'train_dataloader', "
        "'train_cfg', 'optim_wrapper', which training needs: add them or "
        'inherit a base config that has them (e.g. configs/sfnet/'
        'sfnet_4xb6-600k_vimeo90k-bi.py)'
    ]


def test_cli_end_to_end(tiny_config, tiny_checkpoint, clip_folder, tmp_path):
    out = str(tmp_path / 'out.avi')
    proc = subprocess.run([
        sys.executable,
        osp.join(ROOT, 'tools', 'inference.py'), tiny_config, tiny_checkpoint,
        clip_folder, out, '--fps', '10', '--max-frames', '4'
    ],
                          capture_output=True,
                          text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'frame/s' in proc.stderr
    video, fps = read_video(out)
    assert video.shape == (7, 96, 128, 3) and fps == 20


def test_benchmark_quick(tmp_path, capsys):
    benchmark = load_tool('analysis', 'benchmark.py')
    model_rows, video_rows = benchmark.main(
        ['--quick', '--no-flops', '--out-dir',
         str(tmp_path)])
    table = capsys.readouterr().out
    assert '| 4 | 112x64 | all | True |' in table  # the paper's input
    assert '| 4 | 112x64 | 2 | True |' in table
    for frames in (2, 6):
        for store in ('all', '2'):
            assert f'| {frames} | 16x12 | {store} | False |' in table
    for length in (8, 16):
        assert f'| {length} | 16x12 | 2 | 4/1 |' in table
    assert 'peak memory max/min over lengths' in table
    with open(tmp_path / 'benchmark.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 + 4
    for row in rows:
        assert float(row['peak_mib']) > 0 and float(row['latency_s']) > 0
    assert (tmp_path / 'benchmark.md').read_text().strip() in table
    assert (tmp_path / 'benchmark.png').stat().st_size > 1000
    # memory grows with the frames of one forward pass
    added = {
        (r['frames'], r['size'], r['store']): r['added_mib']
        for r in model_rows
    }
    assert added[(4, '112x64', 'all')] > added[(2, '16x12', 'all')] + 10
    # FLOPs are counted (here in this process), parameters of that net
    from mmagic.registry import MODELS
    cfg = tiny_sfnet_cfg()
    res = benchmark.measure_forward(cfg, None, 2, (16, 12), 'cpu', True, 1)
    n_params = sum(p.numel() for p in MODELS.build(cfg).parameters())
    assert res['gflops'] > 0
    assert res['params_m'] == pytest.approx(n_params / 1e6)


def test_benchmark_train_times_every_form(monkeypatch):
    """The --train rows: a step of the demo config's editor with one conv
    call per module, batched, and batched channels-last, alternating (tiny
    patches here); the channels-last model is really channels-last."""
    import torch

    from sfvsr_plugin import apis
    benchmark = load_tool('analysis', 'benchmark.py')
    name, config, _ = benchmark.TRAIN_CASES[0]
    assert name == 'demo'
    variants = [variant for variant, _ in benchmark.TRAIN_VARIANTS]
    assert variants == ['unbatched', 'batched', 'channels_last']
    layouts = []
    init_model = apis.init_model

    def recording_init_model(cfg, **kwargs):
        model = init_model(cfg, **kwargs)
        conv = model.generator.feature_extractor.conv_first
        layouts.append(
            conv.weight.is_contiguous(memory_format=torch.channels_last))
        return model

    monkeypatch.setattr(apis, 'init_model', recording_init_model)
    res = benchmark.measure_train(config, 8, variants, 1, 'cpu', None)
    assert layouts == [False, False, True]
    assert res['batch'] == 4  # the demo config's
    assert all(res[variant] > 0 for variant in variants)
    assert res['peak_mib'] > 0


def test_benchmark_train_rows_of_the_chosen_configs(tmp_path, capsys,
                                                    monkeypatch):
    """``--train --train-cases demo``: rows for the demo config only, one
    per form, and the speed-up line computed from their step times (the
    measurements faked here; ``measure_train`` is tested above)."""
    benchmark = load_tool('analysis', 'benchmark.py')
    seconds = dict(unbatched=1.0, batched=0.8, channels_last=0.5)
    calls = []

    def fake_in_child(fn, **kwargs):
        assert fn is benchmark.measure_train
        calls.append((kwargs['config'], tuple(kwargs['variants'])))
        return dict(batch=4, peak_mib=100., added_mib=10., **seconds)

    monkeypatch.setattr(benchmark, 'in_child', fake_in_child)
    benchmark.main([
        '--skip-model-rows', '--train', '--train-cases', 'demo', '--out-dir',
        str(tmp_path)
    ])
    table = capsys.readouterr().out
    assert {config for config, _ in calls} == {benchmark.TRAIN_CASES[0][1]}
    for form in ('one per module', 'batched', 'batched, channels-last'):
        assert f'| demo | {form} | 4 | 16x16 |' in table
    assert '| paper |' not in table
    assert ('demo: batched convs 1.25x the steps per second of one call per '
            'module, channels-last 1.60x those (2.00x in all)') in table


def test_benchmark_precisions_and_deform_impl(tmp_path, capsys, monkeypatch):
    """``--precisions fp32 bf16 --deform-impl torch``: every row once per
    precision, the precision and the deformable-conv path handed to each
    measurement; fp16 is refused on a CPU and for training (one line)."""
    benchmark = load_tool('analysis', 'benchmark.py')
    calls = []

    def fake_in_child(fn, **kwargs):
        calls.append((fn.__name__, kwargs['precision'], kwargs['deform_impl']))
        if fn is benchmark.measure_train:
            scale = 2. if kwargs['precision'] == 'bf16' else 1.
            return dict(
                batch=4,
                peak_mib=100.,
                added_mib=10.,
                unbatched=1.0 * scale,
                batched=0.8 * scale,
                channels_last=0.5 * scale)
        return dict(
            params_m=1.,
            gflops=float('nan'),
            latency_s=0.5,
            peak_mib=100.,
            added_mib=10.)

    monkeypatch.setattr(benchmark, 'in_child', fake_in_child)
    monkeypatch.setattr(benchmark, 'plot', lambda *args: None)
    benchmark.main([
        '--quick', '--no-flops', '--train', '--train-cases', 'demo',
        '--precisions', 'fp32', 'bf16', '--deform-impl', 'torch', '--out-dir',
        str(tmp_path)
    ])
    table = capsys.readouterr().out
    forward = [c for c in calls if c[0] == 'measure_forward']
    train = [c for c in calls if c[0] == 'measure_train']
    # the paper's input and --quick's 2 and 6 frames, 2 stores, 2 precisions
    assert len(forward) == 3 * 2 * 2
    assert {p
            for _, p, _ in forward} == {p
                                        for _, p, _ in train
                                        } == {'fp32', 'bf16'}
    assert {impl for _, _, impl in calls} == {'torch'}
    assert '| 4 | 112x64 | all | True | bf16 |' in table
    assert '| demo | batched, channels-last | 4 | 16x16 | bf16 |' in table
    assert 'deformable convs: torch' in table
    assert ('demo, bf16: batched convs 1.25x the steps per second') in table
    for argv, message in ((['--precisions', 'fp16'],
                           '--precisions fp16 needs --device cuda'), ([
                               '--device', 'cuda', '--precisions', 'fp16',
                               '--train'
                           ], 'fp16 training needs a gradient scaler')):
        with pytest.raises(SystemExit):
            benchmark.parse_args(argv)
        err = capsys.readouterr().err
        assert message in err and 'Traceback' not in err


def test_bad_options_and_checkpoints_are_one_line_errors(
        inference, tiny_config, tiny_checkpoint, clip_folder, tmp_path,
        capsys):
    """Each refusal is one ``error:`` line and a non-zero exit, no
    traceback."""

    def refusal(*args):
        return one_line_refusal(inference.main, capsys, *args,
                                tmp_path / 'out')

    good = (tiny_config, tiny_checkpoint, clip_folder)
    for option, value, rule in (('--tile', '0', 'integer >= 1'),
                                ('--max-frames', '0',
                                 'integer >= 1'), ('--fps', '0', 'number > 0'),
                                ('--segment-length', '-1', 'integer >= 0'),
                                ('--overlap', 'x', 'integer >= 0')):
        msg = refusal(*good, option, value)
        assert f'argument {option}: expected an {rule}' in msg \
            or f'argument {option}: expected a {rule}' in msg, msg
    missing = tmp_path / 'missing.py'
    assert refusal(missing, tiny_checkpoint, clip_folder) == \
        f'error: config file {missing} not found'
    msg = refusal(tiny_config, tmp_path / 'none.pth', clip_folder)
    assert msg.startswith('error: checkpoint') and 'none.pth' in msg
    data = open(tiny_checkpoint, 'rb').read()
    for size in (1000, 5000, len(data) // 2):  # torch fails differently
        truncated = tmp_path / f'truncated_{size}.pth'
        truncated.write_bytes(data[:size])
        msg = refusal(tiny_config, truncated, clip_folder)
        assert msg == (f'error: checkpoint {truncated}: not a readable '
                       'PyTorch checkpoint (truncated or corrupt); save or '
                       'download it again'), msg


def test_precision_table(tiny_config, tiny_checkpoint, tmp_path, capsys):
    """tools/analysis/precision.py: the fp32 vs bf16 table of the docs."""
    precision = load_tool('analysis', 'precision.py')
    vimeo_root = str(tmp_path)  # one smooth septuplet, GT 64x32, LR 16x8
    rng = np.random.default_rng(0)
    for i in range(1, 8):
        gt = cv2.resize(
            rng.integers(0, 256, (4, 8, 3), np.uint8), (64, 32),
            interpolation=cv2.INTER_CUBIC)
        for folder, img in (('sequences', gt), ('sequences_BIx4',
                                                cv2.resize(gt, (16, 8)))):
            os.makedirs(tmp_path / folder / '00001' / '0001', exist_ok=True)
            cv2.imwrite(
                str(tmp_path / folder / '00001' / '0001' / f'im{i}.png'), img)
    (tmp_path / 'sep_testlist.txt').write_text('00001/0001\n')
    rows = precision.main([
        tiny_config, tiny_checkpoint, vimeo_root, '--repeats', '1',
        '--precisions', 'fp32', 'bf16'
    ])
    assert [r['precision'] for r in rows] == ['fp32', 'bf16']
    fp32, bf16 = rows
    assert fp32['psnr_vs_ref'] == float('inf')
    assert 40 < bf16['psnr_vs_ref'] < float('inf')
    assert 10 < fp32['y_psnr'] < 60
    assert abs(bf16['y_psnr'] - fp32['y_psnr']) < 0.1
    for row in rows:
        assert row['s_per_septuplet'] > 0 and row['cpu_s_per_septuplet'] > 0
    table = capsys.readouterr().out
    assert '| bf16 |' in table and 'PSNR vs fp32' in table
    with pytest.raises(SystemExit) as e:
        precision.main(
            [tiny_config, tiny_checkpoint, vimeo_root, '--precisions', 'fp16'])
    assert 'fp16 needs a CUDA device' in str(e.value.code)


def test_test_tool_keeps_earlier_metrics(tiny_config, tiny_checkpoint,
                                         tmp_path):
    """tools/test.py --out: an earlier metrics file (or its per-frame twin)
    is refused before anything runs, unless --overwrite."""
    from sfvsr_plugin.outputs import OutputError
    test_tool = load_tool('test.py')
    out = tmp_path / 'metrics.json'
    for existing in (out, tmp_path / 'metrics_frames.json'):
        existing.write_text('{"earlier": 1}')
        with pytest.raises(
                OutputError, match='already exists: pass '
                '--overwrite'):
            test_tool.main([tiny_config, tiny_checkpoint, '--out', str(out)])
        assert existing.read_text() == '{"earlier": 1}'
        existing.unlink()
    with pytest.raises(OutputError, match='is the input'):
        test_tool.main([
            tiny_config, tiny_checkpoint, '--out', tiny_checkpoint,
            '--overwrite'
        ])

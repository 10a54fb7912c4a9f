"""Run SFNet on whole videos in bounded memory.

A video is read lazily, cut into overlapping segments of input frames (see
:mod:`.planning`), each segment restored in one forward pass (optionally in
overlapping spatial tiles), and the output frames are handed on as soon as
they are final. Memory therefore depends on the segment length, the frame
size and the container capacity, not on the length of the video.

Frames are ``(h, w, 3)`` uint8 RGB arrays everywhere in this module.
"""
import contextlib
import copy
import os.path as osp
from typing import Callable, Iterable, Iterator, List, Optional, Union

import numpy as np
import torch
from torch import nn

from .errors import InputError
from .planning import SegmentPlan, _output_range, _stream_segments, iter_tiles


def init_model(config,
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               capacity: Union[int, str, None] = None,
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the model of a config and load its weights for inference.

    Args:
        config (str | Config): Config file or object. Its ``model`` is an
            ``SFVSR`` editor or a bare ``SFNet``.
        checkpoint (str, optional): Checkpoint path, loaded with mmengine's
            loader (weights-only, see :mod:`sfvsr_plugin.checkpoint`),
            strictly: weights of another config raise ``CheckpointError``
            naming the first keys that differ. None keeps the random
            initialisation.
        device (str | torch.device): Where to run. Default: 'cpu'.
        capacity (int | str, optional): Container capacity, written to
            ``model.generator.container_capacity``: K > 0 reads the K nearest
            stored states per fetch, ``'all'`` (or 0) reads all of them (the
            paper). None keeps the config's setting.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The model in eval mode on ``device``.

    Raises:
        FileNotFoundError: A missing config or checkpoint.
        ConfigError: A config that does not parse or has no ``model``.
    """
    from mmagic.registry import MODELS
    from mmengine.registry import DefaultScope
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    import sfvsr_plugin  # noqa: F401  (registers the components)
    from ..checkpoint import check_weights_fit, load_weights_only
    from .errors import read_config, require_config_keys

    source = config if isinstance(config, str) else 'object'
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config} not found')
        config = read_config(config)
    else:
        config = copy.deepcopy(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    require_config_keys(config, source, ['model'], 'inference')
    model_cfg = config.model
    gen_cfg = model_cfg.generator if 'generator' in model_cfg else model_cfg
    if capacity is not None:
        gen_cfg.container_capacity = _capacity_value(capacity)
    scope = config.get('default_scope', 'mmagic') or 'mmagic'
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        revise = [(r'^module\.', '')]
        if not hasattr(model, 'generator'):  # editor weights, bare SFNet
            revise.append((r'^generator\.', ''))
        loaded = load_weights_only(checkpoint, map_location='cpu')
        # names the first mismatching keys, not all of them
        check_weights_fit(model, loaded, checkpoint)
        _load_checkpoint_to_model(
            model, loaded, strict=True, revise_keys=revise)
    model.cfg = config
    return model.to(device).eval()


def _capacity_value(capacity: Union[int, str]) -> Optional[int]:
    """``K`` (>= 1), or None for ``'all'``/0 (the paper's unbounded
    fetch)."""
    if capacity in ('all', 'none', 'None', 0):
        return None
    value = int(capacity)
    if value < 1:
        raise ValueError(f"capacity must be >= 1 or 'all', got {capacity}")
    return value


def set_capacity(model: nn.Module, capacity: Union[int, str, None]) -> None:
    """Change the container capacity of a built model (as ``capacity`` of
    :func:`init_model` does at build time).

    Args:
        model (nn.Module): An editor or a bare SFNet.
        capacity (int | str, optional): K > 0 reads the K nearest stored
            states per fetch, ``'all'`` (or 0) all of them. None: no change.
    """
    if capacity is None:
        return
    capacity = _capacity_value(capacity)
    for module in model.modules():
        if hasattr(module, 'container_capacity'):
            module.container_capacity = capacity


def _net_and_scale(model: nn.Module):
    """The generator and the ``(mean, std)`` of its input normalisation.

    Returns:
        tuple: ``(net, mean, std)``; mean and std of shape ``(c, 1, 1)``,
        pixel values of 0..255 map to ``(x - mean) / std``.
    """
    net = getattr(model, 'generator', model)
    pre = getattr(model, 'data_preprocessor', None)
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    if mean is None or std is None:
        mean, std = torch.zeros(3, 1, 1), torch.full((3, 1, 1), 255.)
    return net, mean.detach().float().cpu(), std.detach().float().cpu()


def tiled_forward(net: Callable[[torch.Tensor], torch.Tensor],
                  lqs: torch.Tensor,
                  tile: Optional[int] = None,
                  tile_overlap: int = 0) -> torch.Tensor:
    """Run ``net`` on overlapping spatial tiles and stitch the outputs.

    Each output pixel is cropped from the tile where it lies farthest from
    the tile border (no blending), so the result is exact wherever the net's
    spatial receptive field is within ``tile_overlap / 2`` LR pixels. SFNet's
    distant fetch attends over the whole frame, so its tiled output differs
    slightly from the untiled one; a tile covering the frame is exact.

    Args:
        net (callable): ``(n, t, c, h, w) -> (n, T, c, s*h, s*w)``.
        lqs (Tensor): LR frames ``(n, t, c, h, w)``.
        tile (int, optional): Tile size in LR pixels (square); None runs the
            whole frame.
        tile_overlap (int): LR pixels shared by neighbouring tiles.

    Returns:
        Tensor: ``(n, T, c, s*h, s*w)``.
    """
    h, w = lqs.shape[-2:]
    rows, cols = iter_tiles(h, tile,
                            tile_overlap), iter_tiles(w, tile, tile_overlap)
    if len(rows) == 1 and len(cols) == 1:
        return net(lqs)
    out = None
    for y0, y1, ky0, ky1 in rows:
        for x0, x1, kx0, kx1 in cols:
            part = net(lqs[..., y0:y1, x0:x1])
            sy, sx = part.size(-2) // (y1 - y0), part.size(-1) // (x1 - x0)
            if out is None:
                out = part.new_empty(*part.shape[:-2], sy * h, sx * w)
            out[..., sy * ky0:sy * ky1,
                sx * kx0:sx * kx1] = part[..., sy * (ky0 - y0):sy * (ky1 - y0),
                                          sx * (kx0 - x0):sx * (kx1 - x0)]
    return out


#: ``precision`` values of :func:`restore_video` and their autocast dtypes.
PRECISIONS = {'fp32': None, 'fp16': torch.float16, 'bf16': torch.bfloat16}


def autocast_context(precision: str, device: Union[str, torch.device]):
    """The autocast context of ``precision`` on ``device``.

    Args:
        precision (str): 'fp32' (no autocast), 'fp16' (CUDA only) or 'bf16'
            (CUDA, or CPU: fast where it has AVX512-BF16/AMX).

    Raises:
        ValueError: An unknown precision, or fp16 on a CPU (PyTorch's CPU
            autocast to fp16 is slow and meant for tests).
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {sorted(PRECISIONS)}, '
                         f'got {precision!r}')
    device_type = torch.device(device).type
    if precision == 'fp16' and device_type != 'cuda':
        raise ValueError(
            f'precision fp16 needs a CUDA device, got {device_type}; use '
            'bf16 on a CPU')
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=dtype)


def _to_tensor(frames: List[np.ndarray], mean: torch.Tensor,
               std: torch.Tensor) -> torch.Tensor:
    """``t`` frames ``(h, w, c)`` -> normalised ``(1, t, c, h, w)``."""
    x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float()
    return ((x - mean) / std).unsqueeze(0)


def _to_uint8(frame: torch.Tensor) -> np.ndarray:
    """``(c, H, W)`` float 0..255 -> ``(H, W, c)`` uint8."""
    return frame.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def restore_video(
        model: nn.Module,
        frames: Iterable[np.ndarray],
        segment_length: Optional[int] = 32,
        overlap: int = 4,
        tile: Optional[int] = None,
        tile_overlap: int = 16,
        device: Union[str, torch.device, None] = None,
        as_uint8: bool = True,
        on_segment: Optional[Callable[[SegmentPlan], None]] = None,
        ensemble: Optional[bool] = None,
        precision: str = 'fp32',
        channels_last: bool = False
) -> Iterator[Union[np.ndarray, torch.Tensor]]:
    """Super-resolve a stream of frames, yielding output frames in order.

    Frames are pulled from ``frames`` only as segments need them, and every
    output frame is yielded as soon as its segment ran, so memory does not
    grow with the length of the video (see :func:`.planning.iter_segments`).

    Args:
        model (nn.Module): From :func:`init_model` (an editor or a bare
            SFNet).
        frames (iterable): ``(h, w, 3)`` uint8 RGB frames, all one size.
        segment_length (int, optional): Input frames per forward pass; None
            runs the whole video in one pass. Default: 32.
        overlap (int): Input frames shared by consecutive segments.
            Default: 4.
        tile (int, optional): Spatial tile size in LR pixels; None: whole
            frames. Default: None.
        tile_overlap (int): LR pixels shared by neighbouring tiles.
            Default: 16.
        device (str | torch.device, optional): Default: the model's.
        as_uint8 (bool): Yield ``(4h, 4w, 3)`` uint8 arrays; False yields
            float tensors ``(3, 4h, 4w)`` on the CPU, 0..255, unclamped.
        on_segment (callable, optional): Called with each plan before its
            segment runs.
        ensemble (bool, optional): Average each segment over the 16 flips,
            transposes and time reversals (MMagic's
            ``SpatialTemporalEnsemble``, 16x the time); None: the editor's
            ``ensemble`` setting (none for a bare SFNet). Default: None.
        precision (str): 'fp32', or autocast to 'fp16' (CUDA) or 'bf16'
            (CUDA or CPU); weights stay fp32, outputs are returned in fp32.
            See :func:`autocast_context`. Default: 'fp32'.
        channels_last (bool): Run the convolutions in the channels-last
            memory format: the net's 4-d weights are converted in place
            (same values; the net stays channels-last, which any later run
            also accepts) and convolutions then pick that layout.
            Default: False.

    Yields:
        np.ndarray | Tensor: Output frames ``0 .. 2t - 2``.
    """
    net, mean, std = _net_and_scale(model)
    if device is None:
        param = next(net.parameters(), None)
        device = param.device if param is not None else 'cpu'
    interpolate = getattr(net, 'interpolate', True)
    autocast_context(precision, device)  # refuse bad settings before reading
    if channels_last:
        net.to(memory_format=torch.channels_last)
    if ensemble is None:
        forward_ensemble = getattr(model, 'forward_ensemble', None)
    else:
        from ..models import build_ensemble
        forward_ensemble = build_ensemble(ensemble)

    def run(lqs: torch.Tensor) -> torch.Tensor:
        return tiled_forward(net, lqs, tile, tile_overlap)

    for plan, seg in _stream_segments(frames, segment_length, overlap,
                                      interpolate):
        if on_segment is not None:
            on_segment(plan)
        shapes = sorted({tuple(f.shape) for f in seg})
        if len(shapes) > 1 or len(shapes[0]) != 3:
            raise InputError(
                f'input frames {plan.start}..{plan.end - 1} are not all '
                f'(h, w, c) arrays of one size: shapes {shapes}')
        lqs = _to_tensor(seg, mean, std).to(device)
        with torch.no_grad(), autocast_context(precision, device):
            out = (run(lqs) if forward_ensemble is None else forward_ensemble(
                lqs, run))[0]
        del lqs
        first, _ = _output_range(plan.start, plan.end, interpolate)
        out = out[plan.keep_start - first:plan.keep_end - first]
        out = out.float().cpu() * std + mean
        for frame in out:
            yield _to_uint8(frame) if as_uint8 else frame
        del out

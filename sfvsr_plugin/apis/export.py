"""Export a trained SFNet to ONNX and check the file with onnxruntime.

The whole generator (FE, BRM, FRM with both containers, F&R) is traced for
one input shape ``(batch, frames, 3, h, w)``: SFNet's loops over frames and
over stored states are unrolled, so the number of frames, the frame size and
the batch are fixed in the file (docs/deployment.md). The deformable conv of
AF runs through the pure-PyTorch path (``grid_sample`` and a matmul, see
:mod:`sfvsr_plugin.models.deform_conv`), which the exporter takes, instead of
mmcv's custom op, which it does not; DF's ``scaled_dot_product_attention``
becomes plain ``MatMul``/``Softmax``. The weights are the same, so the file
computes what the PyTorch model computes.

Needs the ``onnx`` and ``onnxruntime`` packages (``tests`` extra).
"""
import contextlib
import re
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from ..outputs import atomic_output, check_output

#: Opset of the exported files (onnxruntime runs it; 16 would do too).
DEFAULT_OPSET = 17
#: The oldest opset whose default domain has ``GridSample``.
MIN_OPSET = 16
INPUT_NAME, OUTPUT_NAME = 'lqs', 'outputs'
#: The ONNX domains onnxruntime runs without a custom-op library.
STANDARD_DOMAINS = ('', 'ai.onnx')


class ExportError(ValueError):
    """A model cannot be exported as asked; says which part and why."""


def custom_ops(path: str) -> List[str]:
    """``domain::op`` of every node of ``path`` outside the standard
    domains, sorted (e.g. mmcv's ``mmcv::MMCVModulatedDeformConv2d``)."""
    import onnx
    graph = onnx.load(path, load_external_data=False).graph
    return sorted({
        f'{node.domain}::{node.op_type}'
        for node in graph.node if node.domain not in STANDARD_DOMAINS
    })


def parse_size(text: str) -> Tuple[int, int]:
    """``'64x112'`` -> ``(64, 112)``: the LR frame height and width.

    Raises:
        ValueError: ``text`` is not two positive integers joined by ``x``.
    """
    match = re.fullmatch(r'\s*(\d+)\s*[xX]\s*(\d+)\s*', str(text))
    if not match or min(int(match[1]), int(match[2])) < 1:
        raise ValueError(f'expected HEIGHTxWIDTH of the input frames in '
                         f'pixels, both >= 1 (e.g. 64x112), got {text!r}')
    return int(match[1]), int(match[2])


def export_net(model: nn.Module) -> nn.Module:
    """The network to export: an editor's ``generator``, or ``model``."""
    return getattr(model, 'generator', model)


def set_deform_impl(net: nn.Module, impl: str) -> List[Tuple[nn.Module, str]]:
    """Set ``deform_impl`` to ``impl`` ('auto', 'mmcv' or 'torch') on each
    part of ``net`` that has one (AF and its flow-guided form); the
    parameters are not touched.

    Returns:
        list: ``(part, previous deform_impl)`` pairs, to put them back.
    """
    previous = [(m, m.deform_impl) for m in net.modules()
                if hasattr(m, 'deform_impl')]
    for module, _ in previous:
        module.deform_impl = impl
    return previous


@contextlib.contextmanager
def torch_deform_conv(net: nn.Module) -> Iterator[nn.Module]:
    """Run every deformable conv of ``net`` through the pure-PyTorch path
    (:func:`set_deform_impl`), the previous settings back on exit."""
    previous = set_deform_impl(net, 'torch')
    try:
        yield net
    finally:
        for module, impl in previous:
            module.deform_impl = impl


def check_export_args(frames: int, size: Sequence[int], batch: int,
                      opset: int) -> None:
    """Refuse shapes and opsets the export cannot use.

    SFNet needs no multiple of the frame size (DF pads its input to its
    1/8 grid), so any ``h, w >= 1`` works.

    Raises:
        ValueError: says which value and the rule.
    """
    if int(frames) < 1:
        raise ValueError(f'frames must be >= 1, got {frames}')
    if len(size) != 2 or min(int(s) for s in size) < 1:
        raise ValueError(f'size must be (height, width) >= 1, got {size}')
    if int(batch) < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    if int(opset) < MIN_OPSET:
        raise ValueError(f'opset must be >= {MIN_OPSET} (ONNX GridSample), '
                         f'got {opset}')


def export_onnx(model: nn.Module,
                path: str,
                frames: int,
                size: Sequence[int],
                opset: int = DEFAULT_OPSET,
                batch: int = 1,
                overwrite: bool = False) -> str:
    """Export SFNet to an ONNX file for a fixed input shape.

    The file is written under a temporary name and takes ``path`` only once
    it is complete and checked.

    Args:
        model (nn.Module): An ``SFVSR`` editor or a bare SFNet; its
            generator is exported. Its mode, ``deform_impl`` settings and
            parameters are as before afterwards.
        path (str): Where to write the ``.onnx`` file.
        frames (int): Input frames t; the file maps ``(batch, t, 3, h, w)``
            to ``(batch, 2t-1, 3, s*h, s*w)`` (``t`` frames out with
            ``interpolate=False``).
        size (tuple[int, int]): ``(h, w)`` of the LR input frames.
        opset (int): ONNX opset, >= 16. Default: 17.
        batch (int): Clips per run. Default: 1.
        overwrite (bool): Replace an existing ``path``. Default: False.

    Returns:
        str: ``path``. The graph has one input ``lqs`` and one output
        ``outputs``, both float32 and normalised as the config's
        ``data_preprocessor`` normalises (``(pixel - mean) / std``).

    Raises:
        ValueError: ``frames``, ``size``, ``batch`` or ``opset`` out of
            range (see :func:`check_export_args`).
        ExportError: the graph holds ops outside ONNX's standard domains
            (mmcv's ops in parts without a PyTorch path, e.g. MMagic's
            BasicVSR++ alignment); nothing is left at ``path``, and an
            existing file there is kept.
        OutputError: ``path`` exists and ``overwrite`` is False.
    """
    check_export_args(frames, size, batch, opset)
    check_output(path, overwrite=overwrite)
    net = export_net(model)
    param = next(net.parameters())
    h, w = (int(s) for s in size)
    example = torch.zeros(
        int(batch),
        int(frames),
        getattr(net, 'in_channels', 3),
        h,
        w,
        dtype=torch.float32,
        device=param.device)
    was_training = net.training
    net.eval()
    with atomic_output(path) as tmp:
        try:
            with torch_deform_conv(net), torch.no_grad():
                # The TorchScript exporter: it traces SFNet's Python loops
                # as they ran (hence the fixed number of frames) and needs
                # nothing beyond torch; the dynamo exporter, torch 2.14's
                # default, needs the onnxscript package.
                torch.onnx.export(
                    net, (example, ),
                    tmp,
                    dynamo=False,
                    opset_version=int(opset),
                    input_names=[INPUT_NAME],
                    output_names=[OUTPUT_NAME],
                    do_constant_folding=True)
        finally:
            net.train(was_training)
        unsupported = custom_ops(tmp)
        if unsupported:
            raise ExportError(
                f'{path}: the exported graph needs {", ".join(unsupported)}, '
                'which onnxruntime cannot run without a custom-op library: '
                'export a model whose parts all have a PyTorch path (SFNet\'s '
                'AF switches to it for the export; mmcv ops in other parts '
                'have none)')
    return path


def onnx_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session of ``path``.

    Args:
        threads (int, optional): Intra-op threads; None: onnxruntime's
            default.
    """
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def compare_with_pytorch(model: nn.Module,
                         path: str,
                         lqs: Union[np.ndarray, torch.Tensor],
                         repeats: int = 0,
                         threads: Optional[int] = None) -> Dict[str, float]:
    """Run the ONNX file and the PyTorch model on ``lqs``; compare.

    PyTorch runs the model as it is configured (``deform_impl`` unchanged:
    mmcv's op on CUDA, the PyTorch path on a CPU), on the CPU.

    Args:
        model (nn.Module): The model that was exported (editor or SFNet).
        path (str): The ``.onnx`` file.
        lqs (ndarray | Tensor): Normalised input ``(n, t, c, h, w)`` of the
            exported shape.
        repeats (int): Also time this many runs of each (median, after one
            warm-up run). 0: no timing. Default: 0.
        threads (int, optional): Threads of both runtimes while timing;
            None leaves both at their defaults.

    Returns:
        dict: ``max_abs_diff`` (float), ``onnx_output`` (ndarray) and, when
        timed, ``onnxruntime_s`` and ``pytorch_s`` (median seconds per run).
    """
    net = export_net(model).cpu().eval()
    x = torch.as_tensor(np.asarray(lqs, dtype=np.float32))
    session = onnx_session(path, threads)
    feed = {INPUT_NAME: x.numpy()}
    onnx_out = session.run(None, feed)[0]
    torch_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        with torch.no_grad():
            torch_out = net(x).numpy()
            result = dict(
                max_abs_diff=float(np.abs(onnx_out - torch_out).max()),
                onnx_output=onnx_out)
            if repeats > 0:
                result['onnxruntime_s'] = _median_seconds(
                    lambda: session.run(None, feed), repeats)
                result['pytorch_s'] = _median_seconds(lambda: net(x), repeats)
    finally:
        torch.set_num_threads(torch_threads)
    return result


def read_clip(model: nn.Module, path: str, frames: int,
              size: Sequence[int]) -> np.ndarray:
    """The first ``frames`` frames of a video or frame folder, as the
    exported file takes them.

    Frames are resized to ``size`` (``cv2.INTER_AREA``) and normalised with
    the model's ``data_preprocessor`` (as :func:`restore_video` does).

    Returns:
        ndarray: float32 ``(1, frames, 3, h, w)``.

    Raises:
        InputError: ``path`` cannot be read or has fewer frames.
    """
    import cv2

    from .errors import InputError
    from .running import _net_and_scale
    from .video_io import open_reader
    h, w = (int(s) for s in size)
    with open_reader(path, max_frames=frames) as reader:
        clip = [
            cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
            for frame in reader
        ]
    if len(clip) < frames:
        raise InputError(f'{path}: has {len(clip)} frames, the export takes '
                         f'{frames}: give a longer clip or fewer --frames')
    _, mean, std = _net_and_scale(model)
    x = torch.from_numpy(np.stack(clip)).permute(0, 3, 1, 2).float()
    return ((x - mean) / std).unsqueeze(0).numpy()

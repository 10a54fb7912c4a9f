"""SFNet's store-and-fetch memory in MMagic's BasicVSR++ (issue 12, item 1).

``BasicVSRPlusPlusSFNet`` is MMagic's ``BasicVSRPlusPlusNet`` whose four
propagation branches each get a long-range memory (``PropagationMemory``):
every branch stores its states in a ``StoreFetchContainer``, fetches the
distant ones with ``DistantFetch`` and fuses them with ``DynamicSelection``
(or a plain concat). The neighbours k±1 and k±2 stay BasicVSR++'s
flow-guided second-order deformable alignment.

Unlike SFNet's own modules, this one imports ``mmagic.models`` when it is
imported: a subclass needs its base class at definition time (and the
plugin's editor, ``SFVSR``, imports ``mmagic.models`` already).
"""
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

import torch
from mmagic.models.editors.basicvsr_plusplus_net import BasicVSRPlusPlusNet
from mmagic.registry import MODELS

from .blocks import SFNetModule, build_part
from .container import StoreFetchContainer, fetch_range
from .distant_fetch import EncodedMemory

BRANCHES = ('backward_1', 'forward_1', 'backward_2', 'forward_2')


class _Sequence:
    """What one branch's memory holds while the branch runs over a clip."""

    def __init__(self, frames: Iterator[int], capacity: Optional[int]):
        self.frames = frames  # the order in which the branch visits frames
        self.container = StoreFetchContainer(capacity)
        self.encoded: Dict[int, EncodedMemory] = {}
        self.frame: Optional[int] = None  # the frame being visited
        self.aligned: Optional[torch.Tensor] = None  # its aligned state
        self.state: Optional[torch.Tensor] = None  # DS's c, to be stored


class FusedInput(NamedTuple):
    """The backbone input with the memory fused in, and what to store."""
    backbone_input: torch.Tensor
    state: Optional[torch.Tensor]


@MODELS.register_module()
class PropagationMemory(SFNetModule):
    """Long-range memory of one BasicVSR++ propagation branch.

    Paper: the containers C^b / C^f and their update U (eq. 2-3), DF (eq.
    4-6) and DS (Fig. 5) of SFNet, applied to one branch of BasicVSR++
    (Chan et al. 2022). At frame k the branch's memory reads, from its own
    container only, the states of the frames it visited two or more steps
    before: frames >= k+2 in a backward branch, <= k-2 in a forward one
    (``fetch_range``); k±1 (and k±2 through the second-order term) reach
    frame k through BasicVSR++'s flow-guided alignment.

    The branch's backbone input is ``[feat_current, <earlier branches at
    k>, aligned]`` (BasicVSR++'s order; ``aligned`` is the deformably
    aligned propagated state). The fetched state ``O`` (``None`` while the
    container offers nothing) is fused in one of two ways:

    - ``dynamic_selection=dict(...)``: DS selects between ``aligned`` and
      ``O`` against ``feat_current`` and gives ``H``, which replaces
      ``aligned`` in the backbone input (same width, so BasicVSR++'s
      backbones and checkpoints fit), and ``c``, which is stored.
    - ``dynamic_selection=None``: plain concat, ``O`` (zeros when missing)
      is appended to the backbone input (``extra_backbone_channels`` more
      input channels); the branch's output state is stored.

    The memory is driven by forward hooks on the branch's backbone
    (``before_backbone`` / ``after_backbone``) inside ``sequence``, which
    gives it the frame order; it keeps nothing between clips.

    Args:
        direction (str): 'backward' or 'forward': the order the branch
            visits the frames in.
        mid_channels (int): Channels of features and states. Default: 64.
        distant_fetch (dict): DF config (built with ``directions=
            (direction,)``). Default: ``dict(type='DistantFetch')``.
        dynamic_selection (dict, optional): DS config (built with
            ``num_candidates=2``), or None for plain concat. Default:
            ``dict(type='DynamicSelection', num_blocks=2)``.
        container_capacity (int, optional): Most stored states one fetch
            reads, nearest first; None reads all (SFNet's paper). Default:
            None.
    """

    def __init__(self,
                 direction: str,
                 mid_channels: int = 64,
                 distant_fetch: dict = dict(type='DistantFetch'),
                 dynamic_selection: Optional[dict] = dict(
                     type='DynamicSelection', num_blocks=2),
                 container_capacity: Optional[int] = None):
        super().__init__()
        if direction not in ('backward', 'forward'):
            raise ValueError(f"direction must be 'backward' or 'forward', "
                             f'got {direction!r}')
        if distant_fetch is None:
            raise ValueError('PropagationMemory needs a distant_fetch config '
                             '(use memory=None for plain BasicVSR++)')
        self.direction = direction
        self.mid_channels = mid_channels
        self.container_capacity = container_capacity
        self.distant_fetch = build_part(
            distant_fetch, mid_channels=mid_channels, directions=(direction, ))
        # candidates: BasicVSR++'s aligned state and the fetched one
        self.dynamic_selection = build_part(
            dynamic_selection, mid_channels=mid_channels, num_candidates=2)
        self._sequence: Optional[_Sequence] = None

    @property
    def extra_backbone_channels(self) -> int:
        """Input channels the memory adds to the branch's backbone."""
        return 0 if self.dynamic_selection is not None else self.mid_channels

    def sequence(self, num_frames: int) -> '_MemoryScope':
        """Context of one pass of the branch over ``num_frames`` frames:
        an empty container at the start, nothing kept at the end."""
        order = range(num_frames)
        if self.direction == 'backward':
            order = reversed(order)
        return _MemoryScope(self, order, num_frames)

    def fetch(self, frame: int, feat: torch.Tensor) -> Optional[torch.Tensor]:
        """DF (eq. 4-6) at ``frame`` from this branch's own container.

        Args:
            frame (int): Current frame k.
            feat (Tensor): Its spatial feature ``(n, c, h, w)``, DF's query.

        Returns:
            Tensor: ``O`` ``(n, c, h, w)``, or None when nothing is stored
            at frames two or more steps back yet.
        """
        seq = self._sequence
        stored = seq.container.fetch(
            *fetch_range(self.direction, frame, self.container_capacity),
            near=frame)
        if not stored:
            return None
        for entry in stored:  # E of eq. 4: once per stored state
            if entry.index not in seq.encoded:
                seq.encoded[entry.index] = \
                    self.distant_fetch.encode_memory(entry)
        memories = {self.direction: [seq.encoded[e.index] for e in stored]}
        return self.distant_fetch(feat, memories)[self.direction]

    def fuse(self, frame: int, backbone_input: torch.Tensor) -> FusedInput:
        """The memory of ``frame`` fused into the backbone input.

        Args:
            frame (int): Current frame k.
            backbone_input (Tensor): ``(n, m*c, h, w)``, BasicVSR++'s
                ``[feat_current, ..., aligned]``.

        Returns:
            FusedInput: the backbone input (``(n, m*c, h, w)`` with DS,
            ``(n, (m+1)*c, h, w)`` with concat) and DS's state ``c`` (None
            with concat).
        """
        c = self.mid_channels
        feat = backbone_input[:, :c]
        aligned = backbone_input[:, -c:]
        fetched = self.fetch(frame, feat)
        if self.dynamic_selection is None:
            if fetched is None:
                fetched = torch.zeros_like(aligned)
            return FusedInput(
                torch.cat([backbone_input, fetched], dim=1), None)
        hidden, state = self.dynamic_selection([aligned, fetched], feat)
        return FusedInput(
            torch.cat([backbone_input[:, :-c], hidden], dim=1), state)

    def before_backbone(self, backbone, args: Tuple) -> Tuple:
        """Forward pre-hook of the branch's backbone: next frame, fuse."""
        seq = self._sequence
        if seq is None:
            raise RuntimeError(
                f'the {self.direction} memory was called outside '
                'PropagationMemory.sequence()')
        try:
            seq.frame = next(seq.frames)
        except StopIteration:
            raise RuntimeError('the branch visited more frames than the '
                               'clip has') from None
        (backbone_input, ) = args
        seq.aligned = backbone_input[:, -self.mid_channels:]
        fused = self.fuse(seq.frame, backbone_input)
        seq.state = fused.state
        return (fused.backbone_input, )

    def after_backbone(self, backbone, args: Tuple,
                       residual: torch.Tensor) -> None:
        """Forward hook of the branch's backbone: store (U of eq. 2-3)."""
        seq = self._sequence
        # BasicVSR++'s new state of the frame is aligned + residual
        state = seq.state if seq.state is not None else \
            seq.aligned + residual
        self.store(seq.frame, state)
        seq.aligned = seq.state = None

    def store(self, frame: int, state: torch.Tensor) -> None:
        """U of eq. 2-3: put the state ``(n, c, h, w)`` of ``frame`` into
        the branch's container (and, with a capacity, drop what no later
        fetch of the pass reads)."""
        seq = self._sequence
        seq.container.store(frame, state)
        if self.container_capacity is not None:
            self._evict(seq)

    def _evict(self, seq: _Sequence) -> None:
        """Drop the states (and their encodings) no later fetch reads."""
        step = 1 if self.direction == 'forward' else -1
        lo, hi = fetch_range(self.direction, seq.frame + step,
                             self.container_capacity)
        # later frames read lower ranges in a backward pass, higher ones
        # in a forward pass: only one bound limits what stays reachable
        lo = -float('inf') if lo is None or step < 0 else lo
        hi = float('inf') if hi is None or step > 0 else hi
        seq.container.discard_outside(lo, hi)
        for index in [i for i in seq.encoded if not lo <= i <= hi]:
            del seq.encoded[index]


class _MemoryScope:
    """``with memory.sequence(t):`` sets up and tears down one pass."""

    def __init__(self, memory: PropagationMemory, order, num_frames: int):
        self.memory = memory
        self.order = list(order)
        self.num_frames = num_frames

    def __enter__(self) -> PropagationMemory:
        self.memory._sequence = _Sequence(
            iter(self.order), self.memory.container_capacity)
        return self.memory

    def __exit__(self, exc_type, exc, tb) -> None:
        seq, self.memory._sequence = self.memory._sequence, None
        if exc_type is None and len(list(seq.frames)):
            raise RuntimeError(
                f'the branch visited fewer than the {self.num_frames} '
                'frames of the clip: BasicVSR++ changed its propagation '
                'order, and PropagationMemory no longer knows the frame of '
                'each backbone call')


@MODELS.register_module()
class BasicVSRPlusPlusSFNet(BasicVSRPlusPlusNet):
    """BasicVSR++ with SFNet's store-and-fetch memory in every branch.

    MMagic's ``BasicVSRPlusPlusNet`` unchanged (feature extraction, SPyNet,
    second-order flow-guided deformable alignment, the four branches
    ``backward_1, forward_1, backward_2, forward_2``, reconstruction),
    plus one ``PropagationMemory`` per branch (``memory['backward_1']``
    ...). ``propagate`` only wraps MMagic's in the branch's memory scope;
    the memory enters through forward hooks on the branch's backbone, so
    BasicVSR++'s code runs as it is and its parameter names stay: a
    BasicVSR++ checkpoint loads with ``strict=False`` (the memory's
    parameters stay as initialised) when the memory fuses by DS.

    Args:
        memory (dict, optional): ``PropagationMemory`` config, built once
            per branch with that branch's ``direction``; None gives plain
            BasicVSR++. Default: DF + DS with 2 fusion residual blocks.
        num_blocks (int): Residual blocks of each branch's backbone.
            Default: 7.
        **kwargs: ``BasicVSRPlusPlusNet``'s other arguments
            (``mid_channels``, ``max_residue_magnitude``,
            ``is_low_res_input``, ``spynet_pretrained``,
            ``cpu_cache_length``).

    Shapes: ``(n, t, c, h, w) -> (n, t, c, 4h, 4w)``, LR at least 64x64
    (SPyNet).
    """

    def __init__(self,
                 memory: Optional[dict] = dict(type='PropagationMemory'),
                 num_blocks: int = 7,
                 **kwargs):
        super().__init__(num_blocks=num_blocks, **kwargs)
        self.memory = None
        if memory is None:
            return
        self.memory = torch.nn.ModuleDict()
        for i, branch in enumerate(BRANCHES):
            part = build_part(
                memory,
                direction=branch.split('_')[0],
                mid_channels=self.mid_channels)
            part.init_weights()
            self.memory[branch] = part
            if part.extra_backbone_channels:
                # plain concat: the backbone sees the fetched state too
                from mmagic.models.editors.basicvsr.basicvsr_net import \
                    ResidualBlocksWithInputConv
                self.backbone[branch] = ResidualBlocksWithInputConv(
                    (2 + i) * self.mid_channels + part.extra_backbone_channels,
                    self.mid_channels, num_blocks)
            self.backbone[branch].register_forward_pre_hook(
                part.before_backbone)
            self.backbone[branch].register_forward_hook(part.after_backbone)

    def propagate(self, feats: Dict[str, List[torch.Tensor]],
                  flows: torch.Tensor, module_name: str) -> Dict:
        """MMagic's ``propagate`` inside the branch's memory scope.

        Args:
            feats (dict): Per branch, the features of every frame
                ``(n, c, h, w)``; see ``BasicVSRPlusPlusNet.propagate``.
            flows (Tensor): ``(n, t-1, 2, h, w)``.
            module_name (str): One of ``BRANCHES``.

        Returns:
            dict: ``feats`` with ``module_name`` filled.
        """
        if self.memory is None:
            return super().propagate(feats, flows, module_name)
        with self.memory[module_name].sequence(flows.size(1) + 1):
            return super().propagate(feats, flows, module_name)

"""Backward and forward recurrent modules BRM and FRM (eq. 2-3)."""
from typing import Dict, List, Optional, Tuple

import torch
from mmagic.registry import MODELS
from torch import nn

from .adjacent_fetch import adjacent_fetch_many
from .blocks import SFNetModule
from .container import StoreFetchContainer, fetch_range
from .distant_fetch import EncodedMemory
from .interfaces import (AdjacentFetchPart, DistantFetchPart,
                         DynamicSelectionPart, build_role)

CONTAINER_CHOICES = {
    'both': ('backward', 'forward'),
    'none': (),
    'backward': ('backward', ),
    'forward': ('forward', ),
}


def parse_containers(containers) -> Tuple[str, ...]:
    """'both' | 'none' | 'backward' | 'forward' or a tuple of directions."""
    if isinstance(containers, str):
        if containers not in CONTAINER_CHOICES:
            raise ValueError(
                f'containers must be one of '
                f'{sorted(CONTAINER_CHOICES)}, got {containers!r}')
        return CONTAINER_CHOICES[containers]
    containers = tuple(containers)
    if set(containers) - {'backward', 'forward'}:
        raise ValueError(f'unknown container direction in {containers}')
    return tuple(d for d in ('backward', 'forward') if d in containers)


class StoreFetchRecurrentModule(SFNetModule):
    """One recurrent pass over all frames with store-and-fetch.

    Paper: eq. 2 (``direction='backward'``, BRM) and eq. 3
    (``direction='forward'``, FRM). The two differ only in the order of the
    frames and in what they fetch:

    - BRM at frame k: AF aligns its own hidden state of frame k+1; DF reads
      its own container C^b at frames >= k+2; candidates ``[H^ab, O^db]``.
    - FRM at frame k: AF aligns its own hidden state of frame k-1 and BRM's
      of frame k+1; DF reads its own container C^f at frames <= k-2 and
      BRM's C^b at frames >= k+2; candidates ``[H^af, H^ab, O^df, O^db]``.

    Per frame, ``adjacent_candidates`` (AF) and ``distant_candidates`` (DF)
    give the candidates; DS turns them and the current feature into H (the
    next frame's adjacent state) and c, which U stores in this module's
    container.
    Adjacent states start at zero and containers empty (paper, eq. 3 text).

    Ablations: ``adjacent_fetch=None`` feeds the unaligned adjacent states
    (Table 4, "directly concatenate"); ``distant_fetch=None`` with containers
    feeds the mean of the fetched states; ``containers`` picks which
    containers exist at all (Table 5).

    Each part is checked at build against its role
    (``sfvsr_plugin.models.interfaces``): a part that lacks a method the
    module calls raises ``PartInterfaceError``. An AF that declares
    ``needs_frames`` (e.g. ``FlowGuidedAdjacentFetch``) is also given the
    LR frames, which ``forward`` then needs.

    Args:
        direction (str): 'backward' (BRM) or 'forward' (FRM).
        mid_channels (int): Channels of features and states. Default: 64.
        adjacent_fetch (dict, optional): Config of AF, one instance per
            adjacent source.
        distant_fetch (dict, optional): Config of DF.
        dynamic_selection (dict): Config of DS (or ``DirectFusion``).
        containers: Which containers exist, see ``parse_containers``.
        container_capacity (int, optional): Most states one fetch reads.
    """

    def __init__(self,
                 direction: str,
                 mid_channels: int = 64,
                 adjacent_fetch: Optional[dict] = dict(type='AdjacentFetch'),
                 distant_fetch: Optional[dict] = dict(type='DistantFetch'),
                 dynamic_selection: dict = dict(type='DynamicSelection'),
                 containers='both',
                 container_capacity: Optional[int] = None):
        super().__init__()
        if direction not in ('backward', 'forward'):
            raise ValueError(f"direction must be 'backward' or 'forward', "
                             f'got {direction!r}')
        self.direction = direction
        self.container_capacity = container_capacity
        containers = parse_containers(containers)
        # Sources in the paper's candidate order (H^af, H^ab, O^df, O^db).
        wanted = ('backward', ) if direction == 'backward' else ('forward',
                                                                 'backward')
        self.adjacent_sources = wanted
        self.distant_sources = tuple(d for d in wanted if d in containers)
        self.stores = direction in containers

        name = type(self).__name__
        self.adjacent_fetch = None
        if adjacent_fetch is not None:
            # keyed '<source>_hidden': nn.ModuleDict may not shadow .forward
            self.adjacent_fetch = nn.ModuleDict({
                f'{src}_hidden':
                build_role(
                    adjacent_fetch,
                    AdjacentFetchPart,
                    f'{name}.adjacent_fetch',
                    optional=True,
                    mid_channels=mid_channels)
                for src in self.adjacent_sources
            })
        self.distant_fetch = None
        if distant_fetch is not None and self.distant_sources:
            self.distant_fetch = build_role(
                distant_fetch,
                DistantFetchPart,
                f'{name}.distant_fetch',
                optional=True,
                mid_channels=mid_channels,
                directions=self.distant_sources)
        self.dynamic_selection = build_role(
            dynamic_selection,
            DynamicSelectionPart,
            f'{name}.dynamic_selection',
            mid_channels=mid_channels,
            num_candidates=len(self.adjacent_sources) +
            len(self.distant_sources))

    @property
    def needs_frames(self) -> bool:
        """Whether an AF of this module needs the LR frames."""
        return self.adjacent_fetch is not None and any(
            getattr(m, 'needs_frames', False)
            for m in self.adjacent_fetch.values())

    def forward(
        self,
        feats: torch.Tensor,
        backward_hidden: Optional[torch.Tensor] = None,
        backward_container: Optional[StoreFetchContainer] = None,
        frames: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, StoreFetchContainer]:
        """One pass of eq. 2 (BRM) or eq. 3 (FRM) over all frames.

        Args:
            feats (Tensor): Features of all frames ``(n, T, c, h, w)``.
            backward_hidden (Tensor, optional): BRM's hidden states
                ``(n, T, c, h, w)``; FRM only.
            backward_container (StoreFetchContainer, optional): BRM's
                container C^b; FRM only (and only if it exists).
            frames (Tensor, optional): The LR frames the features were
                extracted from ``(n, T, c_img, h, w)``; needed only by an
                AF that declares ``needs_frames``.

        Returns:
            tuple: hidden states ``(n, T, c, h, w)`` and this module's
            container (empty if this direction has none).
        """
        num_frames = feats.size(1)
        forward_pass = self.direction == 'forward'
        if forward_pass and backward_hidden is None:
            raise ValueError('FRM needs the hidden states of BRM')
        if frames is None and self.needs_frames:
            raise ValueError(f'{type(self).__name__}: its adjacent fetch '
                             'needs the LR frames: pass frames=')
        own = StoreFetchContainer(self.container_capacity)
        containers: Dict[str, StoreFetchContainer] = {self.direction: own}
        if forward_pass and 'backward' in self.distant_sources:
            if backward_container is None:
                raise ValueError('FRM reads the backward container, but BRM '
                                 'passed none')
            containers['backward'] = backward_container
        # E of eq. 4 does not depend on the current frame: each stored state
        # is encoded once, at its first fetch, and reused (per container, by
        # frame).
        encoded: Dict[str, Dict[int, EncodedMemory]] = {
            src: {}
            for src in containers
        }

        hidden = torch.zeros_like(feats[:, 0])  # paper: H starts at zero
        hiddens = [None] * num_frames
        order = range(num_frames) if forward_pass else reversed(
            range(num_frames))
        for k in order:
            feat = feats[:, k]
            candidates = self.adjacent_candidates(k, feat, hidden,
                                                  backward_hidden, frames)
            candidates += self.distant_candidates(k, feat, containers, encoded)
            hidden, state = self.dynamic_selection(candidates, feat)  # DS
            if self.container_capacity is not None:
                self._evict(k, containers, encoded)
            if self.stores:
                own.store(k, state)  # U of eq. 2-3
            hiddens[k] = hidden
        return torch.stack(hiddens, dim=1), own

    def adjacent_candidates(
            self,
            frame: int,
            feat: torch.Tensor,
            hidden_prev: torch.Tensor,
            backward_hidden: Optional[torch.Tensor],
            frames: Optional[torch.Tensor] = None) -> List[torch.Tensor]:
        """``H^ab`` (BRM) or ``[H^af, H^ab]`` (FRM) of eq. 2-3.

        AF aligns to ``feat`` this module's own state of the frame before
        (``hidden_prev``: frame k+1 in BRM, k-1 in FRM) and, in FRM, BRM's
        state of frame k+1 (zeros past the last frame). Without AF
        (ablation) the states are returned unaligned.

        Args:
            frame (int): Current frame k.
            feat (Tensor): Its feature ``(n, c, h, w)``.
            hidden_prev (Tensor): This module's previous state
                ``(n, c, h, w)``.
            backward_hidden (Tensor, optional): BRM's states
                ``(n, T, c, h, w)``; FRM only.
            frames (Tensor, optional): LR frames ``(n, T, c_img, h, w)``,
                for an AF that needs them.

        Returns:
            list: One ``(n, c, h, w)`` tensor per adjacent source.
        """
        states, sources = [], []
        for src in self.adjacent_sources:
            # the frame whose state this source offers
            j = frame + 1 if src == 'backward' else frame - 1
            if src == self.direction:
                states.append(hidden_prev)
            elif frame + 1 < backward_hidden.size(1):
                states.append(backward_hidden[:, frame + 1])
            else:
                states.append(torch.zeros_like(feat))
            sources.append(j)
        if self.adjacent_fetch is None:
            return states
        current, neighbours = None, None
        if frames is not None:
            current = frames[:, frame]
            # None where the state is the zero start state
            neighbours = [
                frames[:, j] if 0 <= j < frames.size(1) else None
                for j in sources
            ]
        return adjacent_fetch_many([
            self.adjacent_fetch[f'{src}_hidden']
            for src in self.adjacent_sources
        ], feat, states, current, neighbours)

    def distant_candidates(
        self, frame: int, feat: torch.Tensor,
        containers: Dict[str, StoreFetchContainer],
        encoded: Dict[str, Dict[int, EncodedMemory]]
    ) -> List[Optional[torch.Tensor]]:
        """``O^db`` (BRM) or ``[O^df, O^db]`` (FRM) of eq. 2-3 (DF, eq. 4-6).

        DF reads each container at the frames two or more away
        (``fetch_range``: C^b at >= k+2, C^f at <= k-2), encoding every
        stored state it has not met yet into ``encoded``. Without DF
        (ablation) the mean of those stored states.

        Args:
            frame (int): Current frame k.
            feat (Tensor): Its feature ``(n, c, h, w)``.
            containers (dict): The containers this module reads, by
                direction.
            encoded (dict): Per direction, the encoded stored states by
                frame; filled here.

        Returns:
            list: One ``(n, c, h, w)`` tensor per distant source, or None
            where the container has nothing to fetch yet.
        """
        stored = {
            src:
            containers[src].fetch(
                *fetch_range(src, frame, self.container_capacity), near=frame)
            for src in self.distant_sources
        }
        if self.distant_fetch is None:
            return [
                torch.stack([e.state for e in stored[src]]).mean(0)
                if stored[src] else None for src in self.distant_sources
            ]
        memories = {}
        for src, entries in stored.items():
            for entry in entries:
                if entry.index not in encoded[src]:
                    encoded[src][entry.index] = \
                        self.distant_fetch.encode_memory(entry)
            memories[src] = [encoded[src][e.index] for e in entries]
        fetched = self.distant_fetch(feat, memories)
        return [fetched[src] for src in self.distant_sources]

    def _evict(self, frame: int, containers: Dict[str, StoreFetchContainer],
               encoded: Dict[str, Dict[int, EncodedMemory]]) -> None:
        """A bounded store: drop what no later fetch of this pass can read.

        With capacity K, the fetches after ``frame`` read only the K states
        nearest to their own frame, so the states they cannot reach (and
        their encoded keys and values) are dropped. FRM's own container then
        holds at most K + 1 states and BRM's container shrinks as FRM passes
        it (FRM consumes it). BRM keeps its whole container, which FRM reads
        afterwards; only BRM's encoded states are bounded. Under autograd
        the graph still holds the dropped tensors; at inference this is what
        keeps the store from growing with the length of the sequence.
        """
        step = 1 if self.direction == 'forward' else -1
        for src, container in containers.items():
            # every later fetch lies inside the range of the next frame's
            lo, hi = fetch_range(src, frame + step, self.container_capacity)
            if step < 0:  # BRM: later frames are smaller, ranges move down
                lo = None
            else:
                hi = None
            lo = -float('inf') if lo is None else lo
            hi = float('inf') if hi is None else hi
            if step > 0:
                container.discard_outside(lo, hi)
            for index in [i for i in encoded[src] if not lo <= i <= hi]:
                del encoded[src][index]


@MODELS.register_module()
class BackwardRecurrentModule(StoreFetchRecurrentModule):
    """BRM (eq. 2): runs from the last frame to the first."""

    def __init__(self, **kwargs):
        super().__init__(direction='backward', **kwargs)


@MODELS.register_module()
class ForwardRecurrentModule(StoreFetchRecurrentModule):
    """FRM (eq. 3): runs from the first frame to the last after BRM."""

    def __init__(self, **kwargs):
        super().__init__(direction='forward', **kwargs)

"""Store-and-fetch containers C^b and C^f with their update U (eq. 2-3)."""
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch


class StoredState(NamedTuple):
    """One entry of a container: the frame it came from and its state c."""
    index: int
    state: torch.Tensor


class StoreFetchContainer:
    """Holds the states ``c`` a recurrent module stored, keyed by frame.

    A plain helper (no parameters, not an ``nn.Module``, not in a registry):
    a recurrent module makes a new one per sequence, and any network that
    wants a long-range memory can do the same.

    Paper: C^b and C^f in eq. 2-3. ``store`` is the update ``U``; a container
    is empty at the start of a sequence. Fetching takes a range of frame
    indices, because the forward module reads the backward container only at
    frames >= k+2 while the backward module filled it for every frame.

    The paper keeps every state. ``capacity`` bounds how many states one
    fetch returns (the ones nearest the current frame), which bounds the
    attention cost of a fetch on long videos; the recurrent modules then
    also drop the states no later fetch can reach (``discard_outside``), so
    the forward store keeps only the most recent ``capacity + 1``.

    Args:
        capacity (int, optional): Most states returned by one fetch; None
            keeps and returns all. Default: None.
    """

    def __init__(self, capacity: Optional[int] = None):
        if capacity is not None and capacity < 1:
            raise ValueError(f'capacity must be >= 1 or None, got {capacity}')
        self.capacity = capacity
        self._states: Dict[int, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self._states)

    def store(self, index: int, state: torch.Tensor) -> None:
        """U(C, c): add the state of frame ``index``."""
        if index in self._states:
            raise KeyError(f'frame {index} is already stored')
        self._states[index] = state

    def discard_outside(self, lo: int, hi: int) -> None:
        """Drop states no later fetch can return (saves memory)."""
        for index in [i for i in self._states if not lo <= i <= hi]:
            del self._states[index]

    def fetch(self,
              lo: Optional[int] = None,
              hi: Optional[int] = None,
              near: Optional[int] = None) -> List[StoredState]:
        """States of frames ``lo <= index <= hi`` in frame order.

        With a capacity, the ``capacity`` states nearest to frame ``near``
        (default: the middle of the range) are returned.
        """
        lo = -float('inf') if lo is None else lo
        hi = float('inf') if hi is None else hi
        picked = [i for i in sorted(self._states) if lo <= i <= hi]
        if self.capacity is not None and len(picked) > self.capacity:
            ref = near if near is not None else picked[len(picked) // 2]
            picked = sorted(
                sorted(picked, key=lambda i:
                       (abs(i - ref), i))[:self.capacity])
        return [StoredState(i, self._states[i]) for i in picked]


def fetch_range(
        direction: str, frame: int,
        capacity: Optional[int]) -> Tuple[Optional[int], Optional[int]]:
    """Frame range DF reads at ``frame`` from the container of ``direction``.

    Paper: eq. 2-3 fetch C^b_{k+2} (states of frames >= k+2) and C^f_{k-2}
    (frames <= k-2); the adjacent frames k+-1 are AF's job.
    """
    if direction == 'backward':
        return frame + 2, None if capacity is None else frame + 1 + capacity
    if direction == 'forward':
        return None if capacity is None else frame - 1 - capacity, frame - 2
    raise ValueError(f"direction must be 'backward' or 'forward', got "
                     f'{direction!r}')

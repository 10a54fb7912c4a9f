"""A hook that kills training right after a checkpoint, as a crash would."""
import os

from mmagic.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class KillAfterIter(Hook):
    """Ends the process, without any clean-up, after iteration ``at_iter``.

    Its priority is below the CheckpointHook's, so the checkpoint of that
    iteration is on disk when the process dies.
    """

    priority = 'LOWEST'

    def __init__(self, at_iter: int):
        self.at_iter = at_iter

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at_iter:
            os._exit(17)

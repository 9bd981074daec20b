"""Keep a loss's own trainable parameters across checkpoint and resume.

Some losses train parameters that belong to the loss, not to the model: SoftmaxLoss's NLI classifier, TSDAE's
decoder, a learned temperature. A transformers checkpoint holds the model and the optimizer state only, so a resumed
run would restart those parameters from their initial values and drift away from an uninterrupted run. The callback
here writes them into every checkpoint folder (safetensors, no pickle) and copies them back when training resumes.

Example:
    >>> trainer = SentenceTransformerTrainer(..., loss=loss, callbacks=[loss_state_checkpoint_callback(loss, model)])
"""

from __future__ import annotations

import os
from typing import Any

LOSS_STATE_FILE = "loss_state.safetensors"


def loss_own_parameters(loss: Any, model: Any | None = None) -> dict[str, Any]:
    """The loss's trainable parameters that are not the model's (tied weights count as the model's)."""
    model = model if model is not None else getattr(loss, "model", None)
    shared = {id(p) for p in model.parameters()} if model is not None else set()
    return {n: p for n, p in loss.named_parameters() if id(p) not in shared}


def loss_state_checkpoint_callback(loss: Any, model: Any | None = None) -> Any:
    """A ``transformers.TrainerCallback`` that saves the loss's own parameters with each checkpoint and restores
    them on resume; it does nothing for a loss without any (e.g. MNRL)."""
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import TrainerCallback

    own = loss_own_parameters(loss, model)

    class LossStateCheckpoint(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if own and state.is_world_process_zero:
                folder = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
                os.makedirs(folder, exist_ok=True)
                # clone: safetensors refuses tensors that share storage (e.g. a decoder's tied head)
                save_file(
                    {n: p.detach().cpu().clone().contiguous() for n, p in own.items()},
                    os.path.join(folder, LOSS_STATE_FILE),
                )

        def on_train_begin(self, args, state, control, **kwargs):
            # On resume the trainer has loaded the checkpoint's state (global_step > 0) before this hook runs.
            if not own or state.global_step == 0:
                return
            path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}", LOSS_STATE_FILE)
            if not os.path.exists(path):
                return
            saved = load_file(path)
            with torch.no_grad():
                for name, param in own.items():
                    if name in saved:
                        param.copy_(saved[name].to(param.device, param.dtype))

    return LossStateCheckpoint()

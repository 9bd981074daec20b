"""Check a torch device name before any model is loaded, so a typo or a missing GPU is one clear line.

Example:
    >>> check_device("cpu")
    'cpu'
    >>> check_device("bogus")
    Traceback (most recent call last):
    ...
    embedlab.errors.ParameterError: device: unknown device 'bogus'; use cpu, cuda, cuda:N or mps
"""

from __future__ import annotations

from embedlab.errors import ParameterError


def check_device(device: str | None) -> str | None:
    """``device`` if this machine has it (None stays None: the library picks); :class:`ParameterError` otherwise.

    Args:
        device: ``cpu``, ``cuda``, ``cuda:N``, ``mps`` or None.

    Example:
        >>> check_device(None) is None
        True
    """
    if device is None:
        return None
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ParameterError("device", f"unknown device {device!r}; use cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ParameterError("device", f"{device!r} asked for, but this machine has no CUDA GPU; use cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ParameterError("device", f"{device!r}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
    elif dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ParameterError("device", "'mps' asked for, but this machine has no Apple GPU; use cpu")
    elif dev.type != "cpu":
        raise ParameterError("device", f"unsupported device {device!r}; use cpu, cuda, cuda:N or mps")
    return device

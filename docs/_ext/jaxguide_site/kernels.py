"""The kernels that execute the pages: encrypted channels, so they do not warn at each page."""

from __future__ import annotations

from sphinx.application import Sphinx


def encrypt_kernel_channels() -> bool:
    """Have jupyter_client give every kernel it starts here CurveZMQ keys; True if it will.

    ipykernel (7.4 and later) warns at start-up when its channels run over TCP without
    encryption, and MyST-NB starts one kernel per executed page, so every build logged that
    warning once a page. jupyter_client (8.10 and later) provisions keys for kernels whose
    kernelspec declares Curve support (ipykernel's does) when ``KernelManager.
    transport_encryption`` is ``"auto"``; it is ``"disabled"`` by default, and MyST-NB offers
    no setting that reaches the kernel manager it creates. So this changes the default, in this
    process only. Older versions, or a zmq built without Curve, are left as they are.
    """
    try:
        import zmq  # noqa: PLC0415 - optional: only to ask for encryption where it exists
        from jupyter_client.manager import KernelManager  # noqa: PLC0415
    except ImportError:  # pragma: no cover - MyST-NB depends on both
        return False
    trait = KernelManager.class_traits().get("transport_encryption")
    if trait is None or not zmq.has("curve"):
        return False
    trait.default_value = "auto"
    return True


def setup(app: Sphinx) -> None:
    del app
    encrypt_kernel_channels()

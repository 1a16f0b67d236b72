"""The Jupyter kernel the reports run in, registered when a command needs it."""

from __future__ import annotations

import sys

from slc_research.errors import ConfigError

__all__ = ["KERNEL", "ensure_kernel"]

#: The Jupyter kernel the reports run in (``make install`` registers it too).
KERNEL = "slc-research"


def ensure_kernel(name: str = KERNEL) -> None:
    """Register the reports' Jupyter kernel for this Python if no kernel has its name.

    ``make install`` registers it; a package installed with pip has had no such step.
    The kernel runs this interpreter (``sys.executable``, so the notebooks import this
    installation of slc_research) and is written into this environment
    (``sys.prefix``, as ``ipykernel install --sys-prefix``), or for the user when the
    environment is not writable.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
        return
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    try:
        where = install(kernel_name=name, display_name=name, prefix=sys.prefix)
    except OSError:
        try:
            where = install(kernel_name=name, display_name=name, user=True)
        except OSError as exc:
            raise ConfigError(f"the reports need a Jupyter kernel called {name!r}, and it could "
                              f"not be registered ({exc}). Run: {sys.executable} -m ipykernel "
                              f"install --user --name {name}") from None
    print(f"Registered the Jupyter kernel {name!r} (this Python, {sys.executable}) in {where}.")

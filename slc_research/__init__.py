"""slc-research: a research workbench for teachers who study learning communities.

The entry point is :class:`Enquiry`: ``Enquiry.open("my-enquiry")`` validates a
workspace and exposes its canonical, pseudonymised tables.
"""

from slc_research.errors import ConfigError, DataError, SlcResearchError

__all__ = ["ConfigError", "DataError", "Enquiry", "SlcResearchError", "__version__"]

__version__ = "0.1.0"


def __getattr__(name: str):
    """``Enquiry``, imported on first use.

    It imports pandas: ``slc-research report`` starts its helper process before the
    libraries are imported (:mod:`slc_research.report.sidecar`).
    """
    if name == "Enquiry":
        from slc_research.workspace.enquiry import Enquiry

        return Enquiry
    raise AttributeError(f"module 'slc_research' has no attribute {name!r}")

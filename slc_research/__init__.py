"""slc-research: a research workbench for teachers who study learning communities.

The entry point is :class:`Enquiry`: ``Enquiry.open("my-enquiry")`` validates a
workspace and exposes its canonical, pseudonymised tables.
"""

from slc_research.errors import ConfigError, DataError, SlcResearchError
from slc_research.workspace.enquiry import Enquiry

__all__ = ["ConfigError", "DataError", "Enquiry", "SlcResearchError", "__version__"]

__version__ = "0.1.0"

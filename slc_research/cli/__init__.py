"""``slc-research``: the command line.

Its modules: :mod:`~slc_research.cli.entry` runs a command and gives its exit status (0 done;
1 a problem in the workspace; 2 a mistake on the command line; 3 a bug; 130 interrupted);
:mod:`~slc_research.cli.parser` holds every command's options and help;
:mod:`~slc_research.cli.workspace` the commands on a workspace (``init``, ``check``, ``lab``),
:mod:`~slc_research.cli.demo` the synthetic trust's (``demo-data``, ``demo``),
:mod:`~slc_research.cli.reports` those that run reports (``report``, ``slides``) and
:mod:`~slc_research.cli.outputs` those that write or check files to share (``pdf``,
``check-outputs``, ``export``, ``qda export``); :mod:`~slc_research.cli.kernel` registers the
reports' Jupyter kernel when needed. Heavy libraries are imported inside the commands, never
here, so that ``slc-research --help`` starts at once.
"""

from slc_research.cli.entry import main, run

__all__ = ["main", "run"]

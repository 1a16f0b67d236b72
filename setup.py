"""Map the top-level ``notebooks/`` and ``batches/`` folders into the package at build time.

The notebooks live in ``notebooks/`` (where the design card and ``make lab`` put them) and
the demo batch in ``batches/``; an installed package must find both. So the build treats
each folder as a subpackage: ``slc_research.notebooks`` is ``notebooks/`` and
``slc_research.batches`` is ``batches/`` (setuptools' ``package_dir``), their files being
package data (``[tool.setuptools.package-data]`` in pyproject.toml). A wheel then holds
``slc_research/notebooks/*.ipynb`` and ``slc_research/batches/demo.toml``; an editable
install maps the same names onto the checkout's folders. The code finds them with
``importlib.resources.files("slc_research.notebooks")`` (see
``slc_research/report/catalogue.py``).

This lives here rather than in pyproject.toml because ``[tool.setuptools.packages.find]``
only finds folders inside ``slc_research/``, and a fixed ``packages = [...]`` list would
have to name every subpackage. Everything else about the build is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

MAPPED = {"slc_research.notebooks": "notebooks", "slc_research.batches": "batches"}

setup(
    packages=[*find_namespace_packages(include=["slc_research", "slc_research.*"],
                                       exclude=["*.__pycache__"]), *MAPPED],
    package_dir=MAPPED,
)

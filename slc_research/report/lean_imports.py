"""Optional modules that slc-research never uses and that cost seconds to import.

``jsonschema`` (imported by nbformat, papermill, nbconvert and Altair) imports every
format checker it can find at import time. One of them, ``rfc3987_syntax`` (installed
with ``jsonschema[format-nongpl]``, which Jupyter's packages ask for), builds 38 Earley
parsers when it is imported: about 2.5 s of CPU in every process that imports
jsonschema, to check the JSON Schema formats ``iri`` and ``iri-reference``, which no
schema that slc-research validates (notebooks, Vega-Lite specs) uses; see
python-jsonschema/jsonschema issue 1428 and opendatahub-io/notebooks issue 3532.

:func:`skip_unused_optional_imports` marks such modules as absent in ``sys.modules``
(Python's documented way to make an import fail, so the library's own optional-import
fallback runs: jsonschema then simply has no ``iri`` checker). It is called by the
report processes that slc-research starts itself (the command line, the warm zygote),
before anything imports jsonschema; nothing is changed at import, nor in a notebook
kernel that a teacher starts.
"""

from __future__ import annotations

import sys

__all__ = ["UNUSED_OPTIONAL", "skip_unused_optional_imports"]

#: Modules marked absent: optional extras of a dependency that slc-research never calls.
UNUSED_OPTIONAL = ("rfc3987_syntax",)


def skip_unused_optional_imports() -> list[str]:
    """Mark :data:`UNUSED_OPTIONAL` modules absent unless already imported; the names marked.

    Without effect once jsonschema has been imported (its checkers are then in place).
    """
    marked = []
    if "jsonschema" in sys.modules:
        return marked
    for name in UNUSED_OPTIONAL:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment] - "absent", by the import system's rule
            marked.append(name)
    return marked

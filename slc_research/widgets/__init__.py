"""Interactive widgets for exploring an enquiry in JupyterLab, each one line in a notebook.

```python
from slc_research import widgets
widgets.explorer("../data/demo")                  # chart, table and effect size per group
widgets.effect_size_calculator("../data/demo")    # Hedges' g, MDES; months' progress for attainment
widgets.coder("../data/demo", coder="me")         # code texts; saved at once to coding/
widgets.column_mapper("../data/demo", "raw/new/roster.csv", kind="pupils")  # map a raw export
```

Each function returns a widget (an ``ipywidgets.VBox``): the last line of a cell
shows it. The widgets hold no analysis of their own; they call the same
package functions as the case-study notebooks (:mod:`slc_research.casestudies.explore.analysis`,
:mod:`slc_research.casestudies.explore.calculator`, :mod:`slc_research.qual.coding_store`,
:mod:`slc_research.workspace.mapping_editor`). ``notebooks/explore.ipynb`` shows all four.

The factory functions share their names with the modules that define them
(``widgets.explorer`` the function lives in ``widgets/explorer.py``), so they
are imported here directly: a lazy import would leave ``widgets.explorer``
bound to the module whenever a submodule was imported first.
"""

from __future__ import annotations

from slc_research.widgets.calculator import EffectSizeCalculator, effect_size_calculator
from slc_research.widgets.coder import Coder, coder
from slc_research.widgets.explorer import Explorer, explorer
from slc_research.widgets.mapper import ColumnMapper, column_mapper

__all__ = ["Coder", "ColumnMapper", "EffectSizeCalculator", "Explorer", "coder",
           "column_mapper", "effect_size_calculator", "explorer"]

"""Make chart SVG safe to inline in an HTML page or a widget: one sanitiser for the package.

The SVG comes from vl-convert (Vega's SVG renderer), but its text carries user
text (titles, axis labels, community and code names), so it is treated as
hostile markup. It is parsed and rebuilt by nh3 (Python bindings to the Rust
sanitiser Ammonia, which parses like a browser's HTML parser) with an explicit
allow-list of the elements and attributes that Vega's SVG renderer writes and
nothing that can run script or load anything: no ``script``, ``style``,
``foreignObject``, ``iframe``, ``a``, ``image``, ``use`` or animation elements,
no ``on...`` attribute, no ``href`` of any scheme, and paint or clip references
only to a fragment of the same SVG (``url(#gradient_0)``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache

import nh3

__all__ = ["SVG_ATTRIBUTES", "SVG_ELEMENTS", "ids_of_its_own", "safe_svg"]

#: Elements Vega's SVG renderer writes (checked against vl-convert's output for every chart
#: of the package, plus clipping, gradient, pattern and multi-line text marks). Marks are
#: drawn as ``path`` (points, bars, areas, arcs), ``line`` (rules, ticks, grid) and ``text``;
#: there is no ``circle``. Names are case-sensitive: ``clipPath``, not ``clippath``.
SVG_ELEMENTS = frozenset({
    "svg", "g", "path", "rect", "line", "text", "tspan",
    "defs", "clipPath", "linearGradient", "radialGradient", "stop", "pattern",
})

#: Presentation and accessibility attributes allowed on every element above.
_COMMON = frozenset({
    "class", "transform", "role", "aria-label", "aria-roledescription", "aria-hidden",
    "opacity", "display", "pointer-events", "clip-path",
    "fill", "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit",
    "font-family", "font-size", "font-style", "font-variant", "font-weight", "text-anchor",
    "style",  # only ``mix-blend-mode`` survives (a mark's ``blend``), see _STYLE_PROPERTIES
})

#: Attributes allowed per element ("*": on every element of :data:`SVG_ELEMENTS`).
SVG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": _COMMON,
    "svg": frozenset({"version", "width", "height", "viewBox"}),
    "rect": frozenset({"x", "y", "width", "height"}),
    "path": frozenset({"d"}),
    "line": frozenset({"x1", "y1", "x2", "y2"}),
    "text": frozenset({"x", "y", "dx", "dy"}),
    "tspan": frozenset({"x", "y", "dx", "dy"}),
    "clipPath": frozenset({"id"}),
    "linearGradient": frozenset({"id", "x1", "x2", "y1", "y2"}),
    "radialGradient": frozenset({"id", "cx", "cy", "r", "fx", "fy", "fr"}),
    "stop": frozenset({"offset", "stop-color", "stop-opacity"}),
    "pattern": frozenset({"id", "x", "y", "width", "height", "viewBox", "preserveAspectRatio",
                          "patternUnits"}),
}

#: Removed with everything inside them (other elements off the list lose only their tags).
_DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "foreignObject", "iframe", "object", "embed", "noscript", "template",
    "title", "desc", "metadata",
})
_STYLE_PROPERTIES = frozenset({"mix-blend-mode"})
#: ``url(#id)``: a reference to a gradient, pattern or clip path inside the same SVG.
_FRAGMENT_URL = re.compile(r"url\(\s*#[A-Za-z_][\w.:-]*\s*\)")


def safe_svg(svg: str | Iterable[str]) -> str:
    """``svg`` with nothing left that can run script or load content, ready to inline.

    Parameters
    ----------
    svg : str or iterable of str
        SVG markup, e.g. from ``vl_convert.vegalite_to_svg``; a notebook output's list
        of lines is joined first.

    Returns
    -------
    str
        The markup rebuilt with only :data:`SVG_ELEMENTS` and :data:`SVG_ATTRIBUTES`
        (HTML serialisation: ``<rect></rect>`` for ``<rect/>``; text escaped). Dropped:
        the XML declaration, comments, ``xmlns:xlink``, any element off the list
        (``script``, ``style``, ``foreignObject`` and ``iframe`` with their content),
        ``on...`` handlers, every ``href`` (so no ``javascript:`` or ``data:`` link),
        and any attribute value referring to a ``url(...)`` other than ``url(#id)``.

    Notes
    -----
    On vl-convert's SVG of the package's charts the result has the same elements,
    attributes and text as the input (tests/report/test_sanitise.py), less the
    ``xmlns:xlink`` declaration, which nothing uses once links are gone.

    Examples
    --------
    >>> safe_svg('<svg viewBox="0 0 9 9" onload=alert(1)><script>alert(2)</script>'
    ...          '<text>a &lt; b</text></svg>')
    '<svg viewBox="0 0 9 9"><text>a &lt; b</text></svg>'
    """
    text = svg if isinstance(svg, str) else "".join(svg)
    return _cleaner().clean(text)


@cache
def _cleaner() -> nh3.Cleaner:
    """The nh3 cleaner for :func:`safe_svg` (built on first use, then reused)."""
    return nh3.Cleaner(
        tags=set(SVG_ELEMENTS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in SVG_ATTRIBUTES.items()},
        tag_attribute_values={"svg": {"xmlns": {"http://www.w3.org/2000/svg"}}},
        attribute_filter=_keep_value,
        filter_style_properties=set(_STYLE_PROPERTIES),
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )


def _keep_value(element: str, attribute: str, value: str) -> str | None:
    """Drop a value that refers to anything but a fragment of the same SVG (None: drop)."""
    if "(" not in value and "\\" not in value:
        return value
    rest = _FRAGMENT_URL.sub("", value)
    # a CSS escape could spell url( (u\72l), so no backslash is kept either
    return None if "\\" in rest or "url" in rest.lower() else value


_ID = re.compile(r'\bid="([^"]+)"')


def ids_of_its_own(svg: str) -> str:
    """``svg`` with its ids (gradients, clip paths) and ``url(#id)`` references made its own.

    Vega numbers the gradients and clip paths it draws on from the ones the same process drew
    before (``gradient_0``, ``gradient_1``, ...), so two charts drawn by two processes can
    both hold ``id="gradient_0"``; inlined in one page, the second would then be painted
    with the first one's gradient. Each id gets a prefix made from the SVG's own content:
    the same chart always reads the same, and two charts share ids only if they are the
    same chart.

    Parameters
    ----------
    svg : str
        SVG markup (already through :func:`safe_svg`).

    Returns
    -------
    str
        The markup with ``id="x"`` as ``id="c<hash>-x"`` and ``url(#x)`` to match; markup
        with no id is returned as it is.

    Examples
    --------
    >>> ids_of_its_own('<svg><clipPath id="clip1"></clipPath><g clip-path="url(#clip1)">'
    ...                '</g></svg>')
    '<svg><clipPath id="c7039c586-clip1"></clipPath><g clip-path="url(#c7039c586-clip1)"></g></svg>'
    """
    ids = set(_ID.findall(svg))
    if not ids:
        return svg
    prefix = "c" + hashlib.blake2b(svg.encode("utf-8"), digest_size=4).hexdigest() + "-"
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r"url\(\s*#([^)\s]+)\s*\)",
                  lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0),
                  svg)

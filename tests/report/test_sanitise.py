"""The one SVG sanitiser: hostile markup comes out inert, real charts come out unchanged.

Payloads: the four of issue 14 that the old three-regex ``_safe_svg`` passed unchanged
(``<script href=.../>``, an unquoted ``onload=``, a ``javascript:`` link and
``<foreignObject><iframe>``), the XSS corpus of ``test_security.py`` and a few more.
"Inert" is checked on the output as a browser would parse it (an HTML tokenizer): no
element off the allow-list, no ``on...`` attribute, no ``href``, no ``url(...)`` other
than a same-document ``url(#id)``, no ``javascript:`` or ``data:`` in an attribute that
is not plain text (``aria-label`` is: Vega writes a mark's label there).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc
from test_security import CODE, COMMUNITY, PAYLOADS, ROLE, TITLE

from slc_research import charts
from slc_research.privacy.suppression import count_columns, suppress_small
from slc_research.report.sanitise import SVG_ATTRIBUTES, SVG_ELEMENTS, safe_svg
from slc_research.widgets.svg import chart_spec, svg_of

#: Issue 14: each passed the regexes unchanged.
ISSUE_14 = {
    "script href": '<svg><script href="https://evil.example/x.js"/></svg>',
    "unquoted onload": "<svg onload=alert(1)><rect width=1 height=1 /></svg>",
    "javascript link": '<svg><a href="javascript:alert(1)"><text>click</text></a></svg>',
    "foreignObject iframe": ('<svg><foreignObject width="9" height="9">'
                             '<iframe src="https://evil.example/"></iframe></foreignObject></svg>'),
}
#: More ways in: xlink, data: URLs, CSS, animation, <use>, external paint, HTML breakout.
MORE = {
    "xlink javascript": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "data image": '<svg><image href="data:image/svg+xml;base64,PHN2Zz4=" width="9"/></svg>',
    "use external": '<svg><use href="https://evil.example/s.svg#a"/></svg>',
    "animate href": ('<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
                     '<text>x</text></a><set attributeName="onload" to="alert(1)"/></svg>'),
    "style element": "<svg><style>@import url(https://evil.example/x.css);</style></svg>",
    "style url": ('<svg><rect style="background:url(https://evil.example/p.png)" '
                  'fill="url(https://evil.example/p.svg#g)"/></svg>'),
    "escaped url": r'<svg><rect fill="\75 rl(https://evil.example/p.svg#g)"/></svg>',
    "mixed case": "<svg><SCRIPT>alert(1)</SCRIPT><g OnClick='alert(1)'></g></svg>",
    "breakout": "<svg></svg><img src=x onerror=alert(1)><script>alert(1)</script>",
    "comment": "<svg><!--<script>alert(1)</script>--><text>x</text></svg>",
    "xml prolog": '<?xml version="1.0"?><!DOCTYPE svg><svg><text>x</text></svg>',
    "math": "<svg><math><mtext><script>alert(1)</script></mtext></math></svg>",
}
#: test_security's free-text corpus, as it could reach the SVG unescaped: as text, in an
#: attribute (Vega puts labels into aria-label) and as a link.
CORPUS = {f"corpus {i}": f'<svg><g aria-label="{p}"><a href="{p}"><text>{p}</text></a></g></svg>'
          for i, p in enumerate([*PAYLOADS, COMMUNITY, CODE, ROLE, TITLE])}


class _Markup(HTMLParser):
    """Every tag and attribute of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.other.append(f"comment {data}")

    def handle_pi(self, data):
        self.other.append(f"pi {data}")

    def handle_decl(self, decl):
        self.other.append(f"decl {decl}")


def _problems(page: str) -> list[str]:
    markup = _Markup()
    markup.feed(page)
    markup.close()
    allowed = {t.lower() for t in SVG_ELEMENTS}
    found = [f"element {t}" for t in markup.tags if t not in allowed]
    for tag, name, value in markup.attrs:
        if name.startswith("on") or "href" in name:
            found.append(f"attribute {tag} {name}")
        if name.startswith("aria-"):
            continue  # plain text to a browser (Vega puts labels there), never a URL
        if re.search(r"javascript:|data:|\\", value, re.IGNORECASE):
            found.append(f"value {tag} {name}={value}")
        if "url" in re.sub(r"url\(#[\w.:-]+\)", "", value).lower():
            found.append(f"url {tag} {name}={value}")
    return found + markup.other


@pytest.mark.parametrize("payload", [*ISSUE_14.values(), *MORE.values(), *CORPUS.values()],
                         ids=[*ISSUE_14, *MORE, *CORPUS])
def test_hostile_markup_comes_out_inert(payload):
    assert _problems(payload)  # the check itself sees the danger in the raw payload
    assert _problems(safe_svg(payload)) == []


def test_the_four_payloads_of_issue_14_exactly():
    assert safe_svg(ISSUE_14["script href"]) == "<svg></svg>"
    assert safe_svg(ISSUE_14["unquoted onload"]) == (
        '<svg><rect width="1" height="1"></rect></svg>')
    assert safe_svg(ISSUE_14["javascript link"]) == "<svg><text>click</text></svg>"
    assert safe_svg(ISSUE_14["foreignObject iframe"]) == "<svg></svg>"


def test_user_text_stays_text():
    # as vl-convert writes a label typed with markup in it: escaped, and kept escaped
    label = "Being listened to &lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; more"
    assert safe_svg(f"<svg><text>{label}</text></svg>") == f"<svg><text>{label}</text></svg>"


def test_a_notebook_outputs_list_of_lines_is_joined():
    assert safe_svg(['<svg viewBox="0 0 1 1">\n', "<g></g></svg>"]) == (
        '<svg viewBox="0 0 1 1">\n<g></g></svg>')


def test_camel_case_names_survive():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><defs>'
           '<clipPath id="clip1"><rect width="9" height="9"/></clipPath>'
           '<linearGradient id="gradient_0" x1="0" x2="1" y1="0" y2="0">'
           '<stop offset="0" stop-color="#fff"/></linearGradient>'
           '<pattern id="p_gradient_1" viewBox="0 0 1 1" preserveAspectRatio="none"'
           ' width="1" height="1"><rect fill="url(#gradient_0)"/></pattern></defs>'
           '<g clip-path="url(#clip1)"><path d="M0,0h9" fill="url(#p_gradient_1)"/></g></svg>')
    out = safe_svg(svg)
    for kept in ('viewBox="0 0 9 9"', "<clipPath ", "</clipPath>", "<linearGradient ",
                 'clip-path="url(#clip1)"', 'fill="url(#gradient_0)"',
                 'preserveAspectRatio="none"', 'xmlns="http://www.w3.org/2000/svg"'):
        assert kept in out
    assert _shape(out) == _shape(svg)


def test_the_allow_list_has_nothing_that_runs_or_loads():
    names = {n.lower() for n in SVG_ELEMENTS}
    assert not names & {"script", "style", "foreignobject", "iframe", "a", "image", "use",
                        "animate", "set", "object", "embed", "feimage"}
    attributes = {a.lower() for names in SVG_ATTRIBUTES.values() for a in names}
    assert not [a for a in attributes if a.startswith("on") or "href" in a or a == "src"]


def _shape(svg: str) -> list[tuple]:
    """Elements in document order with their attributes and text (namespaces resolved)."""
    root = ET.fromstring(svg)
    return [(el.tag, sorted(el.attrib.items()), el.text or "", el.tail or "")
            for el in root.iter()]


def _published(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` through the display boundary with threshold 1, which withholds nothing.

    Every count here is large; these tests are about drawing and sanitising, not suppression.
    """
    return suppress_small(df, count_cols=count_columns(df), threshold=1, partition_by=None)


def _real_charts() -> list[alt.TopLevelMixin]:
    means = pd.DataFrame(
        [(o, g, p, n, m, 0.8, m - 0.2, m + 0.2)
         for o in ("Engagement", "Metacognition")
         for g, n in (("SLC members", 22), ("Other pupils <b>190</b>", 190))
         for p, m in (("Wave 1", 3.1), ("Wave 2", 3.4))],
        columns=["outcome", "group", "period", "n", "mean", "sd", "ci_low", "ci_high"])
    effects = pd.DataFrame({"outcome": ["Engagement", "Attendance <script>x</script>"],
                            "estimate": [0.41, 0.10], "ci_low": [0.05, -0.2],
                            "ci_high": [0.77, 0.4], "n1": [30, 34], "n2": [200, 250]})
    summary = pd.DataFrame({"group": ["Members", "Other pupils"], "n": [40, 300],
                            "mean": [3.2, 3.0], "ci_low": [3.0, 2.9], "ci_high": [3.4, 3.1]})
    means, effects, summary = _published(means), _published(effects), _published(summary)
    answers = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
    return [charts.scale_change_chart(means, answers=answers), charts.effect_size_chart(effects),
            charts.group_means_chart(summary, title="Engagement, Wave 1",
                                     y_title="Mean scale score", group_title="Group")]


def test_real_charts_keep_every_element_attribute_and_text():
    for chart in _real_charts():
        svg = vlc.vegalite_to_svg(chart_spec(chart))
        out = safe_svg(svg)
        assert _shape(out) == _shape(svg)
        for needed in ('viewBox="', "transform=", "<text", "n = "):
            assert needed in out


def test_widgets_draw_through_the_sanitiser():
    chart = _real_charts()[1]
    assert svg_of(chart) == safe_svg(vlc.vegalite_to_svg(chart_spec(chart)))


def test_charts_drawn_by_two_processes_keep_their_own_gradients_on_one_page():
    from slc_research.report.sanitise import ids_of_its_own

    def legend(colour: str) -> str:  # what vl-convert writes for a gradient legend
        return ('<svg><defs><linearGradient id="gradient_0" x1="0" x2="1" y1="0" y2="0">'
                f'<stop offset="0" stop-color="{colour}"></stop></linearGradient>'
                '<clipPath id="clip1"><rect width="9" height="9"></rect></clipPath></defs>'
                '<g clip-path="url(#clip1)"><rect fill="url(#gradient_0)" width="9" height="9">'
                '</rect></g></svg>')

    blue, red = ids_of_its_own(legend("#0000ff")), ids_of_its_own(legend("#ff0000"))
    ids = [re.findall(r'id="([^"]+)"', svg) for svg in (blue, red)]
    assert not set(ids[0]) & set(ids[1])  # one page, no id twice
    for svg, own in zip((blue, red), ids, strict=True):
        assert sorted(re.findall(r"url\(#([^)]+)\)", svg)) == sorted(own)  # each its own
    assert ids_of_its_own(legend("#0000ff")) == blue  # the same chart reads the same
    assert ids_of_its_own("<svg><rect></rect></svg>") == "<svg><rect></rect></svg>"

"""Pull an inline <svg> out of a page and parse it as XML (it must be well-formed)."""

import re
import xml.etree.ElementTree as ET

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_by_id(page: str, svg_id: str) -> ET.Element:
    match = re.search(rf'<svg\b[^>]*\bid="{re.escape(svg_id)}".*?</svg>', page, re.S)
    assert match, f"no <svg id={svg_id!r}> in the page"
    return ET.fromstring(match.group(0))


def titled(root: ET.Element, tag: str) -> dict[str, ET.Element]:
    """Elements of a kind (rect, path) keyed by the text of their <title> child."""
    out = {}
    for el in root.iter(SVG_NS + tag):
        title = el.find(SVG_NS + "title")
        if title is not None:
            out[title.text] = el
    return out


def accessible_name(root: ET.Element) -> str:
    """What a screen reader announces: role="img" named by the referenced <title> and <desc>."""
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    texts = {el.get("id"): el.text for el in root if el.get("id")}
    return " ".join(texts[i] for i in ids)

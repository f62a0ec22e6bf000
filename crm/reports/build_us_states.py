"""Build static/us-states.json (state code -> SVG path data) from us-atlas 3.0.1, once.

The coverage map is coloured on the server from these paths; nothing is fetched at run time.

    cd /tmp && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python -m crm.reports.build_us_states /tmp/package/states-albers-10m.json

states-albers-10m.json is already projected (d3.geoAlbersUsa, scale 1300, translate [487.5, 305])
onto a 975 x 610 plane, so decoding its TopoJSON arcs gives SVG coordinates directly. Data:
US Census Bureau cartographic boundary files (2017), redistributed by us-atlas under the ISC
licence (static/vendor/README.md).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "us-states.json"
SHA256 = "6e7bb086a3c791490361968a3094f377f7726c5d0c4900fec03cc42db2305a3d"
WIDTH, HEIGHT = 975, 610

FIPS = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
    "60": "AS",
    "66": "GU",
    "69": "MP",
    "72": "PR",
    "78": "VI",
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Arcs are delta-encoded integers; the transform maps them back to plane coordinates."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            if transform:
                x, y = x + dx, y + dy
                points.append(
                    (
                        x * transform["scale"][0] + transform["translate"][0],
                        y * transform["scale"][1] + transform["translate"][1],
                    )
                )
            else:
                points.append((dx, dy))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list) -> list[tuple[float, float]]:
    """Join a ring's arcs; a negative index ~i is arc i reversed; shared end points appear once."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return points


def ring_path(points: list[tuple[float, float]]) -> str:
    """An absolute move, then relative steps between coordinates rounded to 0.1 (exact sums)."""
    rounded = [(round(x * 10), round(y * 10)) for x, y in points]
    out = [f"M{rounded[0][0] / 10:g} {rounded[0][1] / 10:g}"]
    steps = []
    for (x0, y0), (x1, y1) in zip(rounded, rounded[1:], strict=False):
        if (x0, y0) != (x1, y1):
            steps.append(f"{(x1 - x0) / 10:g} {(y1 - y0) / 10:g}")
    if steps:
        out.append("l" + " ".join(steps))
    out.append("z")
    return "".join(out).replace(" -", "-")


def geometry_path(geometry: dict, arcs: list) -> str:
    """The SVG path of a state's polygons."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return "".join(ring_path(ring_points(ring, arcs)) for polygon in polygons for ring in polygon)


def build(source: Path) -> dict:
    """The states' SVG paths from us-atlas' TopoJSON (checked by its SHA-256)."""
    raw = source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise SystemExit(
            f"{source}: sha256 {digest} is not us-atlas 3.0.1's states-albers-10m.json"
        )
    topology = json.loads(raw)
    arcs = decode_arcs(topology)
    states = {}
    for geometry in topology["objects"]["states"]["geometries"]:
        code = FIPS[geometry["id"]]
        states[code] = {
            "fips": geometry["id"],
            "name": geometry["properties"]["name"],
            "d": geometry_path(geometry, arcs),
        }
    return {
        "source": "us-atlas 3.0.1 states-albers-10m.json (ISC licence; US Census Bureau 2017)",
        "width": WIDTH,
        "height": HEIGHT,
        "states": dict(sorted(states.items())),
    }


def main(argv: list[str]) -> None:
    """Write the US map's data from the us-atlas file named on the command line."""
    if len(argv) != 2:
        raise SystemExit(__doc__)
    data = build(Path(argv[1]))
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    size = OUT.stat().st_size
    print(f"wrote {OUT.relative_to(ROOT)}: {len(data['states'])} states, {size:,} bytes")


if __name__ == "__main__":
    main(sys.argv)

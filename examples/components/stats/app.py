"""The `stats` world: summary statistics, shape areas and histograms.

componentize-py generates the `wit_world` package from wit/ at build time. A record is a
dataclass, a variant case is a class of its own (`Shape_Circle`), and raising `Err(message)`
returns the `err` side of a result.
"""

import math
from typing import List, Tuple

import wit_world
from componentize_py_types import Err
from wit_world import Shape, Shape_Circle, Shape_Point, Shape_Rect, Summary


def _finite(values: List[float]) -> List[float]:
    if not values:
        raise Err("no values: an empty list has no statistics")
    for value in values:
        if not math.isfinite(value):
            raise Err(f"not a finite number: {value}")
    return values


class WitWorld(wit_world.WitWorld):
    def describe(self, values: List[float]) -> Summary:
        ordered = sorted(_finite(values))
        count = len(ordered)
        middle = count // 2
        if count % 2:
            median = ordered[middle]
        else:
            median = (ordered[middle - 1] + ordered[middle]) / 2
        return Summary(
            count=count,
            mean=math.fsum(ordered) / count,
            min=ordered[0],
            max=ordered[-1],
            median=median,
        )

    def area(self, s: Shape) -> float:
        if isinstance(s, Shape_Circle):
            return math.pi * s.value * s.value
        if isinstance(s, Shape_Rect):
            width, height = s.value
            return width * height
        if isinstance(s, Shape_Point):
            return 0.0
        raise TypeError(f"unknown shape: {s!r}")

    def histogram(self, values: List[float], buckets: int) -> List[Tuple[float, int]]:
        if buckets == 0:
            raise Err("buckets must be at least 1")
        _finite(values)
        low, high = min(values), max(values)
        width = (high - low) / buckets
        counts = [0] * buckets
        for value in values:
            # The maximum belongs to the last bucket; with all values equal, width is 0
            # and everything lands in the first.
            index = int((value - low) / width) if width > 0 else 0
            counts[min(index, buckets - 1)] += 1
        return [(low + i * width, count) for i, count in enumerate(counts)]

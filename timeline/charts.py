"""How a reported number changed from one article to the next, as a small step chart drawn on
the server (inline SVG), with the same figures as a table for screen readers."""

from dataclasses import dataclass, field

WIDTH, HEIGHT = 360, 140  # the drawing, in SVG units
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 26, 28  # margins: the value axis on the left, values above, articles below


@dataclass
class Step:
    figure: object
    x: float = 0
    y: float = 0
    label: str = ""


@dataclass
class StepChart:
    """The successive values of one measure over one scope, in order of publication (and of
    edition within a day): 13 security personnel killed in AFP's first edition, then 18."""

    steps: list = field(default_factory=list)
    top_value: int = 0

    @classmethod
    def of(cls, figures):
        """A chart of the figures that give a number, or None when fewer than two do or they
        all agree: there is nothing to draw."""
        numbered = sorted(
            (f for f in figures if f.value is not None),
            key=lambda f: (f.source.published_on, f.source.edition, f.reported_on, f.pk),
        )
        if len(numbered) < 2 or len({f.value for f in numbered}) < 2:
            return None
        chart = cls([Step(figure) for figure in numbered], max(f.value for f in numbered))
        span = WIDTH - LEFT - RIGHT
        for number, step in enumerate(chart.steps):
            step.x = LEFT + span * number / (len(chart.steps) - 1)
            step.y = TOP + (HEIGHT - TOP - BOTTOM) * (1 - step.figure.value / chart.top_value)
            step.label = f"{step.figure.source.label}, {step.figure.source.published_on:%-d %b}"
        return chart

    @property
    def path(self):
        """The step line: level from each article to the next, then up or down to its value."""
        points = [f"M{self.steps[0].x:.1f},{self.steps[0].y:.1f}"]
        for step in self.steps[1:]:
            points.append(f"H{step.x:.1f}V{step.y:.1f}")
        return "".join(points)

    @property
    def baseline_y(self):
        return HEIGHT - BOTTOM

    @property
    def top_y(self):
        return TOP

    @property
    def width(self):
        return WIDTH

    @property
    def height(self):
        return HEIGHT

    @property
    def top_label(self):
        return f"{self.top_value:,}"

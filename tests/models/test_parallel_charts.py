"""Chapter 5's charts draw what they are given: the model and the measured points."""
import math

from serverless_workbook.models import parallel_charts
from serverless_workbook.models.parallel_model import ParallelEncode

def test_the_speedup_chart_plots_the_model_and_the_measured_points():
    model = ParallelEncode(encode_seconds=60, split_seconds=2, merge_seconds=1, cold_start_seconds=0)
    ax = parallel_charts.plot_speedup(model, {2: 1.8, 4: 3.1}).axes[0]
    lines = {line.get_label().split(" ")[0]: line for line in ax.lines}
    curve, points = lines["model"], lines["measured"]
    assert curve.get_ydata()[3] == model.speedup(4)
    assert list(points.get_xdata()) == [2, 4] and list(points.get_ydata()) == [1.8, 3.1]


def test_a_limit_far_above_the_curves_is_named_not_drawn():
    model = ParallelEncode(encode_seconds=10_000, split_seconds=0.1, merge_seconds=0.1, cold_start_seconds=0)
    ax = parallel_charts.plot_speedup(model).axes[0]
    assert ax.get_ylim()[1] < 1.2 * max(ax.lines[0].get_ydata())
    assert "above the chart" in ax.get_legend().get_texts()[-1].get_text()


def test_the_explorer_starts_on_the_models_values():
    # The browser snaps a slider's value to its step (on a log slider, the exponent's step).
    model = ParallelEncode(encode_seconds=2.47, split_seconds=0.111, merge_seconds=0.146, cold_start_seconds=0)
    encode, split, merge = parallel_charts.explorer(model).children[0].children[0].children
    shown_encode = 10 ** (round(math.log10(encode.value) / encode.step) * encode.step)
    shown_split, shown_merge = (round(s.value / s.step) * s.step for s in (split, merge))
    assert abs(shown_encode / 2.47 - 1) < 0.01, shown_encode
    assert abs(shown_split / 0.111 - 1) < 0.05 and abs(shown_merge / 0.146 - 1) < 0.05, (shown_split, shown_merge)


def test_the_mapreduce_drawing_has_a_box_per_piece_and_the_explorer_has_five_controls():
    # Boxes: input, split, reduce, output and one per piece; arrows: two per piece and two around them.
    assert len(parallel_charts.plot_mapreduce(pieces=3).axes[0].patches) == (4 + 3) + (2 * 3 + 2)
    explorer = parallel_charts.explorer(ParallelEncode(encode_seconds=10))
    controls = [control for column in explorer.children[0].children for control in column.children]
    assert len(controls) == 5

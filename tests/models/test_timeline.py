"""One timeline draws every kind of span: Step Functions tasks (datetimes) and log-group invocations (seconds)."""
from datetime import datetime, timedelta

from serverless_workbook.models.timeline import Span, overlapping, plot_timeline

T0 = datetime(2026, 1, 1)


def span(state, start, end, succeeded=True):
    return Span(state, T0 + timedelta(seconds=start), T0 + timedelta(seconds=end), succeeded, "fn")


def test_the_timeline_has_one_bar_per_task_from_its_start():
    spans = [span("Split", 0, 1), span("EncodeSegment", 1, 4), span("EncodeSegment", 1.5, 3, False), span("Merge", 4, 5)]
    ax = plot_timeline(spans, "t").axes[0]
    bars = sorted((bar.get_x(), bar.get_width()) for bar in ax.patches)
    assert bars == [(0, 1), (1, 3), (1.5, 1.5), (4, 1)]
    assert [bar.get_hatch() for bar in ax.patches].count("//") == 1
    assert ax.get_xlim()[1] >= 5 * 1.1, "the last bar's label needs room inside the frame"


def test_spans_in_seconds_since_the_epoch_draw_alike_and_a_short_one_stays_visible():
    spans = [Span("upload", 1000.0, 1000.01), Span("MediaConvert transcoding", 1000.5, 1003.0)]
    ax = plot_timeline(spans, "t").axes[0]
    bars = sorted((round(bar.get_x(), 3), round(bar.get_width(), 3)) for bar in ax.patches)
    assert bars == [(0, 0.012), (0.5, 2.5)]


def test_overlapping_means_all_ran_at_one_moment():
    assert overlapping([span("a", 0, 2), span("b", 1, 3), span("c", 1.5, 4)])
    assert not overlapping([span("a", 0, 1), span("b", 1, 2)])
    assert not overlapping([span("a", 0, 1)])

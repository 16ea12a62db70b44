"""Helpers for the report figures' drawing cost."""

from __future__ import annotations


def freeze_layout(fig):
    """Lay ``fig`` out now (constrained layout: the axes' places from every artist added
    so far) and keep that layout, so that the draw which saves the figure
    (foxbat.atomic.save_figure) does not run it again.

    For a figure that needs its axes' final size before adding artists that do not
    change the layout (labels placed inside the axes); cheaper than
    ``fig.draw_without_rendering()``, which draws every artist besides. The layout runs
    twice: the first run on a figure never laid out starts from the axes' default places
    (an aspect-locked map comes out off-centre); the second starts from the first, as
    savefig's own layout after an earlier draw would, and costs less (text sizes are
    cached). Returns the engine (None for none), for ``fig.set_layout_engine(engine)``
    should the figure need laying out again at the save after all."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        engine.execute(fig)
        fig.set_layout_engine("none")
    return engine

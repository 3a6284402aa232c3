"""The slider explorer every notebook's sliders use: ipywidgets sliders wired to a figure function.

``Explorer`` shows one picture at every moment (the live widget, with the still PNG and a line of
text in the same output for a viewer without a kernel), keeps the pictures drawn, and says at once
when a new setting takes a while. ``widgets`` (notebooks 01, 02) and the imaging explorers
(notebooks 06, 08) build on it.
"""

from __future__ import annotations

import base64
import io
import time
from html import escape
from typing import Callable

from .core.validation import check_scalar

__all__ = ["Explorer", "figure_png", "DPI"]

#: Resolution of the slider pictures: sharp on a projector, small enough to redraw fast.
DPI = 90


def figure_png(fig, dpi: int = 80) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class Explorer:
    """Sliders wired to a figure function, shown as one image.

    Each picture drawn is kept (the last ``cache_size`` of them), so that a slider moved back to a setting
    already seen shows its picture again at once, the same bytes, without drawing. A setting not seen yet
    is drawn; when ``working`` says that takes long, its message replaces the caption before the work starts
    (the front end shows it at once) and the caption comes back with the new picture.

    Parameters
    ----------
    draw : callable
        ``draw(**values) -> Figure``, called with the sliders' values by name. It must depend on the values
        only (a picture is reused for the same values).
    sliders : dict of str to ipywidgets.IntSlider
    caption : callable, optional
        ``caption(**values) -> str``, shown under the sliders (computed at every move, never reused).
    working : callable, optional
        ``working(**values) -> str or None``: what a setting not drawn yet will cost ("fitting a new prior,
        a few seconds"), shown under the sliders while it is computed; None (or no ``working``) for a fast one.
    cache_size : int, default 32
        How many pictures are kept.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure drawn last.
    redraws : int
        How many times the image was redrawn (from the cache or drawn anew).
    drawn : int
        How many times ``draw`` was called.
    cached : bool
        Whether the last picture came from the cache.
    seconds : float
        How long the last redraw took.
    widget : ipywidgets.VBox
        What the notebook shows.
    """

    WORKING_STYLE = "color: #8a5a00; font-weight: bold"

    def __init__(self, draw: Callable, sliders: dict, caption: Callable | None = None,
                 working: Callable | None = None, cache_size: int = 32):
        import ipywidgets as widgets

        self.draw = draw
        self.sliders = sliders
        self.caption = caption
        self.working = working
        self.cache_size = check_scalar(cache_size, "cache_size", int, low=1)
        self._pictures: dict = {}  # (values) -> (figure, png), oldest first
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.label = widgets.HTML()
        self.figure = None
        self.redraws = 0
        self.drawn = 0
        self.cached = False
        self.seconds = 0.0
        self._hold = False
        for slider in sliders.values():
            slider.observe(self.redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(sliders.values())), self.label, self.image])
        self.redraw()

    def values(self) -> dict:
        return {name: s.value for name, s in self.sliders.items()}

    def redraw(self, change=None) -> None:
        """Show the picture for the sliders' current values: the kept one, or a new one drawn."""
        if self._hold:
            return
        t0 = time.perf_counter()
        values = self.values()
        key = tuple(values.items())
        try:
            hash(key)
        except TypeError:  # a value that cannot be a key (a list): draw every time
            key = None
        picture = self._pictures.pop(key, None) if key is not None else None
        self.cached = picture is not None
        if picture is None:
            message = self.working(**values) if self.working else None
            if message:  # sent to the front end now, before the work: the caption says what is being done
                self.label.value = f'<span style="{self.WORKING_STYLE}">&#8987; {escape(message)}&hellip;</span>'
            figure = self.draw(**values)
            picture = (figure, figure_png(figure, dpi=DPI))
            self.drawn += 1
        if key is not None:
            self._pictures[key] = picture  # the newest last
            while len(self._pictures) > self.cache_size:
                self._pictures.pop(next(iter(self._pictures)))
        self.figure, png = picture
        self.image.value = png
        self.image.layout.width = f"{round(self.figure.get_figwidth() * DPI)}px"  # shown at its own size
        self.label.value = self.caption(**values) if self.caption else ""
        self.redraws += 1
        self.seconds = time.perf_counter() - t0

    def still(self) -> bytes:
        """PNG bytes of the picture the sliders show now."""
        return self.image.value

    def mimebundle(self) -> dict:
        """What the notebook stores for the explorer: one output holding the live widget and its still picture.

        The bundle has three representations of the same thing, and each viewer shows exactly one of them:
        JupyterLab with a running kernel shows the widget (``application/vnd.jupyter.widget-view+json``,
        the richest), whose own picture is redrawn in place as a slider moves; a viewer without a widget
        manager or without the widget's state (GitHub, nbviewer, nbconvert, JupyterLab opening an untrusted
        notebook) shows ``image/png``, a still picture of the sliders' values when it was drawn; a
        terminal shows ``text/plain``. Nothing is ever shown twice and nothing vanishes when a slider moves.
        """
        values = ", ".join(f"{k} = {v}" for k, v in self.values().items())
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["image/png"] = base64.b64encode(self.still()).decode("ascii")
        bundle["text/plain"] = f"[sliders: {values}; run the notebook to move them]"
        return bundle

    def _ipython_display_(self):
        """Show :meth:`mimebundle` as one output."""
        from IPython.display import display

        display(self.mimebundle(), raw=True)

"""Every use of another library's private API, in one place.

The explorers reach into three libraries where their public API does not do what a live figure needs:

=====================================  =====================================================================
:func:`ipympl_send_whole_png_frames`   ipympl's ``get_diff_image`` / ``send_binary`` and WebAgg's frame
                                       state (``_png_is_old``, ``_force_full``, ``syncing_data_url``)
:func:`watch_ipympl_front_end`         ipympl's ``handle_refresh`` / ``handle_draw`` message handlers
:func:`set_panel_debounce`             Panel's ``Widget._debounce``
=====================================  =====================================================================

Each checks the library's version against the range it was written and tested for
(:data:`TESTED`) and the presence of the names it touches. Outside that range, or when a name is
missing, it changes nothing and returns False: the caller then takes the library's public path
(ipympl's own diff frames and ``draw_idle``; Panel's default debounce), slower but correct. Set the
environment variable ``RNNLAB_NO_PRIVATE_API=1`` to take the public paths everywhere (to tell a
library upgrade's fault from rnnlab's).
"""

from __future__ import annotations

import base64
import os
from importlib.metadata import PackageNotFoundError, version

__all__ = ["TESTED", "ipympl_send_whole_png_frames", "watch_ipympl_front_end", "set_panel_debounce"]

# Major.minor versions each patch was written against and tested with (the browser tests).
TESTED = {"ipympl": ("0.9", "0.10"), "panel": ("1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9")}


def _tested(package: str) -> bool:
    """Whether the installed ``package`` is in :data:`TESTED` and private patches are allowed."""
    if os.environ.get("RNNLAB_NO_PRIVATE_API", "") not in ("", "0"):
        return False
    try:
        installed = version(package)
    except PackageNotFoundError:
        return False
    return ".".join(installed.split(".")[:2]) in TESTED[package]


def ipympl_send_whole_png_frames(canvas, encode_png) -> bool:
    """Have an ipympl canvas send every frame whole, as the PNG ``encode_png(rgba)`` returns.

    ipympl sends frames through matplotlib's WebAgg ``get_diff_image``: after the first, only the
    pixels that changed (mode "diff", the others transparent, drawn over what the browser holds),
    encoded by PIL at zlib level 6, about 19 ms of a notebook explorer's event for a 900 x 420
    figure. A diff is right only if the browser still holds the previous frame; a browser test saw a
    figure with holes where its canvas had been re-made between frames. Whole frames at level 1 cost
    about the same to encode (12 ms; the diff at level 1 is 11 ms) and never depend on what the browser
    holds. This replaces the canvas's ``get_diff_image`` and keeps WebAgg's frame state
    (``_png_is_old``, ``_force_full``); ``_last_buff``, the previous frame that diffs were taken
    against, is no longer read by anyone and is left alone.

    It also replaces ``send_binary`` (the other reader of ``_last_buff``), for a defect of ipympl
    0.10 (``Canvas.send_binary``): a frame sent before the front end's ``initialized`` message
    (``syncing_data_url`` still true) goes out as the raw RGBA buffer, not the PNG, and its
    ``_data_url`` is base64 without the ``data:`` prefix. The browser then holds a broken image; its
    next ``resize`` message fails at ``drawImage`` before sizing the views, and the figure stays a
    0 x 0 canvas for good (seen in JupyterLab when two explorers come up together and the browser's
    ``draw`` request for the second is handled before its ``initialized``). Here the PNG is always
    what is sent, and ``_data_url``, while synced, is a ``data:image/png;base64,`` URL as ipympl's own
    ``_repr_mimebundle_`` writes it.

    Returns True if the canvas was patched; False (nothing changed) on a canvas without that state or
    an ipympl outside :data:`TESTED`.
    """
    state = ("_png_is_old", "_force_full", "set_image_mode", "syncing_data_url", "send")
    if not (_tested("ipympl") and all(hasattr(canvas, name) for name in state)):
        return False

    def get_diff_image():
        if not canvas._png_is_old:
            return None
        canvas.set_image_mode("full")
        canvas._force_full = False
        canvas._png_is_old = False
        return encode_png(canvas.get_renderer().buffer_rgba())

    def send_binary(data):
        if canvas.syncing_data_url:   # no front end has said "initialized" yet (or none will: nbconvert)
            canvas._data_url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        canvas.send({"data": '{"type": "binary"}'}, buffers=[data])

    canvas.get_diff_image = get_diff_image
    canvas.send_binary = send_binary
    return True


def watch_ipympl_front_end(canvas, on_refresh, on_draw) -> bool:
    """Call ``on_refresh()`` when ipympl's front end sends ``refresh`` (a view coming up, a page
    reload) and ``on_draw()`` when it asks for a full ``draw``, before ipympl handles either message.

    Returns True if the handlers were wrapped; False (nothing changed) on a canvas without them or an
    ipympl outside :data:`TESTED`, where the caller must not rely on the calls.
    """
    if not (_tested("ipympl") and hasattr(canvas, "handle_refresh") and hasattr(canvas, "handle_draw")):
        return False
    refresh, draw = canvas.handle_refresh, canvas.handle_draw

    def handle_refresh(event):
        on_refresh()
        return refresh(event)

    def handle_draw(event):
        on_draw()
        return draw(event)

    canvas.handle_refresh, canvas.handle_draw = handle_refresh, handle_draw
    return True


def set_panel_debounce(widget, milliseconds: int) -> bool:
    """Set how long Panel waits after a change from the browser before processing it (Panel's own
    default: 50 ms, to batch changes). Panel has no public setting for it.

    Returns True if it was set; False (Panel's default kept) for a widget without ``_debounce`` or a
    Panel outside :data:`TESTED`.
    """
    if not (_tested("panel") and hasattr(widget, "_debounce")):
        return False
    widget._debounce = milliseconds
    return True

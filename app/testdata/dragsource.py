#!/usr/bin/env python3
"""A small X11 drag source for Hoist's window test.

usage: dragsource.py X Y FILE...

Opens a GTK window at (X, Y) with one button that can be dragged, offering
the files as text/uri-list (file:// URIs), the way a file manager does.
It prints one line per event to stdout, flushed:
  ready <window id>   the window is mapped
  data                the drop target asked for the URIs
  end                 a drag ended
"""
import sys

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402


def say(line):
    print(line, flush=True)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    x, y = int(sys.argv[1]), int(sys.argv[2])
    uris = [GLib.filename_to_uri(p, None) for p in sys.argv[3:]]

    win = Gtk.Window(title="Drag source")
    win.set_default_size(240, 120)
    win.move(x, y)
    win.connect("destroy", Gtk.main_quit)

    button = Gtk.Button(label="Drag me to Hoist")
    button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    button.drag_source_add_uri_targets()

    def on_get(_widget, _context, data, _info, _time):
        data.set_uris(uris)
        say("data")

    # A file icon under the pointer while dragging, as a file manager shows.
    button.connect("drag-begin", lambda _w, ctx: Gtk.drag_set_icon_name(ctx, "text-x-generic", 0, 0))
    button.connect("drag-data-get", on_get)
    button.connect("drag-end", lambda *_: say("end"))
    win.add(button)

    def on_map(*_):
        win.move(x, y)
        say("ready %d" % win.get_window().get_xid())

    win.connect("map-event", on_map)
    win.show_all()
    Gtk.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())

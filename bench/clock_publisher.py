#!/usr/bin/env python3
"""clock_publisher.py - a GStreamer RTMP publisher that burns its wall clock
into the picture, for glass-to-glass delay (ops/bench-relay.sh).

    clock_publisher.py RTMP_URL SECONDS

videotestsrc (live, white, 640x360, 25 fps) -> textoverlay -> x264enc
(zerolatency, ultrafast, 1 s GOP) -> flvmux (with AAC from audiotestsrc)
-> rtmp2sink. Just before each frame is drawn on, a pad probe sets the
overlay's text to the wall clock at that moment, UTC, "HH:MM:SS.mmm": a
player's frame read back (OCR) tells when it was captured. Ends with EOS
after SECONDS; exit 0, or 1 on a pipeline error."""
import sys
import time

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

PIPELINE = (
    'videotestsrc is-live=true pattern=white ! video/x-raw,width=640,height=360,framerate=25/1 ! '
    'textoverlay name=clock font-desc="Sans Bold 56" valignment=center halignment=center '
    'color=0xff000000 shaded-background=false draw-outline=false draw-shadow=false ! '
    'videoconvert ! video/x-raw,format=I420 ! '
    'x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=800 ! h264parse ! '
    'flvmux name=m streamable=true ! rtmp2sink location="%s" '
    'audiotestsrc is-live=true ! audioconvert ! audioresample ! avenc_aac ! aacparse ! m.')


def wall_text():
    now = time.time()
    return time.strftime('%H:%M:%S', time.gmtime(now)) + '.%03d' % (int(now * 1000) % 1000)


def main():
    url, secs = sys.argv[1], float(sys.argv[2])
    Gst.init(None)
    pipeline = Gst.parse_launch(PIPELINE % url)
    clock = pipeline.get_by_name('clock')

    def stamp(pad, info):
        clock.set_property('text', wall_text())
        return Gst.PadProbeReturn.OK

    clock.get_static_pad('video_sink').add_probe(Gst.PadProbeType.BUFFER, stamp)
    loop = GLib.MainLoop()
    failed = []

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            failed.append(msg.parse_error()[0].message)
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.timeout_add(int(secs * 1000), lambda: pipeline.send_event(Gst.Event.new_eos()) and False)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    if failed:
        print('clock_publisher: %s' % failed[0], file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()

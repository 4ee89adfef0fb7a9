"""Width, height and duration of an MP4, read from its boxes (no ffmpeg in the Lambda runtime)."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterator

CONTAINERS = {b"moov", b"trak", b"mdia"}


class NotAnMp4(ValueError):
    pass


@dataclass(frozen=True)
class Mp4Info:
    width: int
    height: int
    duration: float


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload start, box end) for each box between start and end."""
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[start + 8:start + 16])[0]
            header = 16
        elif size == 0:
            size = end - start
        if size < header:
            raise NotAnMp4(f"corrupt box {kind!r}")
        yield kind, start + header, start + size
        start += size


def _find(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(data, start, end) if k == kind), None)


def read(stream: BinaryIO) -> Mp4Info:
    data = stream.read()
    moov = _find(data, 0, len(data), b"moov")
    if moov is None:
        raise NotAnMp4("no moov box")
    mvhd_start, _ = _find(data, *moov, b"mvhd")
    version = data[mvhd_start]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[mvhd_start + 20:mvhd_start + 32])
    else:
        timescale, duration = struct.unpack(">II", data[mvhd_start + 12:mvhd_start + 20])
    for kind, start, end in _boxes(data, *moov):
        if kind != b"trak":
            continue
        mdia = _find(data, start, end, b"mdia")
        hdlr = mdia and _find(data, *mdia, b"hdlr")
        if hdlr and data[hdlr[0] + 8:hdlr[0] + 12] == b"vide":
            _, tkhd_end = _find(data, start, end, b"tkhd")
            # tkhd ends with width and height as 16.16 fixed-point numbers.
            width, height = struct.unpack(">II", data[tkhd_end - 8:tkhd_end])
            return Mp4Info(width >> 16, height >> 16, duration / timescale)
    raise NotAnMp4("no video track")

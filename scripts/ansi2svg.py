#!/usr/bin/env python3
"""Turn a terminal capture with colours (`tmux capture-pane -e -p`) into SVG.

Reads ANSI text on stdin (or a file named as the first argument) and writes an
SVG on stdout: one <rect> per run of background colour, one <text> per line
with a <tspan> per run of style. Only SGR sequences are understood (what
capture-pane emits); any other escape is dropped, and every character is
XML-escaped, so captured text cannot inject markup.

Usage: ansi2svg.py [capture.ansi] > screen.svg
"""

import re
import sys
from html import escape

CELL_W = 8.4
CELL_H = 17.0
FONT = 14
PAD = 10

# xterm's 16 colours.
BASE16 = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
DEFAULT_FG = "#d0d0d0"
DEFAULT_BG = "#1c1c1c"

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESC = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def apply(self, params):
        codes = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = xterm256(codes[i + 2] % 256)
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = "#%02x%02x%02x" % tuple(min(v, 255) for v in codes[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                    i += 1
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg
        if self.reverse:
            fg, bg = (self.bg or DEFAULT_BG), (self.fg or DEFAULT_FG)
        return fg, bg


def parse(text):
    """Lines of runs: [(style key, fg, bg, text)]."""
    style = Style()
    lines = []
    for raw in text.split("\n"):
        runs = []
        pos = 0
        for m in SGR.finditer(raw):
            chunk = OTHER_ESC.sub("", raw[pos:m.start()])
            if chunk:
                runs.append((style.key(), *style.colours(), chunk))
            style.apply(m.group(1))
            pos = m.end()
        chunk = OTHER_ESC.sub("", raw[pos:])
        if chunk:
            runs.append((style.key(), *style.colours(), chunk))
        lines.append(runs)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def clean(s):
    # Controls never reach the SVG (XML 1.0 forbids most of them anyway).
    return "".join(ch if ch >= " " or ch == "\t" else "\ufffd" for ch in s)


def render(lines, title="hookcatch"):
    cols = max((sum(len(r[3]) for r in line) for line in lines), default=0)
    width = cols * CELL_W + 2 * PAD
    height = len(lines) * CELL_H + 2 * PAD
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img">'
        % (width, height, width, height),
        "<title>%s</title>" % escape(title),
        '<rect width="100%%" height="100%%" fill="%s" rx="6"/>' % DEFAULT_BG,
        '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%d" xml:space="preserve">' % FONT,
    ]
    for row, runs in enumerate(lines):
        y = PAD + row * CELL_H
        col = 0
        for _key, _fg, bg, chunk in runs:
            if bg:
                out.append(
                    '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                    % (PAD + col * CELL_W, y, len(chunk) * CELL_W, CELL_H, bg)
                )
            col += len(chunk)
        spans = []
        col = 0
        for key, fg, _bg, chunk in runs:
            _f, _b, bold, dim, italic, underline, _r = key
            attrs = ['x="%.1f"' % (PAD + col * CELL_W), 'fill="%s"' % fg]
            if bold:
                attrs.append('font-weight="bold"')
            if dim:
                attrs.append('opacity="0.6"')
            if italic:
                attrs.append('font-style="italic"')
            if underline:
                attrs.append('text-decoration="underline"')
            if chunk.strip():
                spans.append("<tspan %s>%s</tspan>" % (" ".join(attrs), escape(clean(chunk))))
            col += len(chunk)
        if spans:
            out.append('<text y="%.1f">%s</text>' % (y + CELL_H * 0.78, "".join(spans)))
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    data = open(sys.argv[1], encoding="utf-8", errors="replace").read() if len(sys.argv) > 1 else sys.stdin.read()
    sys.stdout.write(render(parse(data)))


if __name__ == "__main__":
    main()

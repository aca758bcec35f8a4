"""The text of a PDF page by page, for tests: enough of PDF to read what WeasyPrint writes.

WeasyPrint embeds subset fonts whose glyphs are numbered, not lettered: a page's content stream
shows hex glyph codes (``<002a0013> Tj`` or ``[<00..>-12<00..>] TJ``) in a font chosen by ``/NAME
size Tf``, and each font's ``/ToUnicode`` CMap maps the codes back to text. Objects may sit in
compressed object streams (``/Type /ObjStm``). This reads exactly that, and nothing more.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_STREAM = re.compile(rb"^(.*?)stream\r?\n(.*?)\r?\nendstream", re.S)
_REF = r"(\d+) 0 R"


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Return ``{number: (dictionary text, decoded stream or None)}`` of every object, object
    streams unpacked."""
    out: dict[int, tuple[bytes, bytes | None]] = {}
    for m in _OBJ.finditer(pdf):
        body = m.group(2)
        s = _STREAM.match(body)
        if s is None:
            out[int(m.group(1))] = (body, None)
            continue
        head, data = s.group(1), s.group(2)
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        out[int(m.group(1))] = (head, data)
        if b"/ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))  # type: ignore[union-attr]
            nums = [int(x) for x in data[:first].split()]
            pairs = list(zip(nums[::2], nums[1::2], strict=True))
            for i, (num, off) in enumerate(pairs):
                end = pairs[i + 1][1] if i + 1 < len(pairs) else len(data) - first
                out[num] = (data[first + off : first + end], None)
    return out


def _cmap(data: bytes) -> dict[bytes, str]:
    """Return ``{glyph code (hex, lower case): text}`` of a ToUnicode CMap."""
    codes: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            codes[src.lower()] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            start, width = int(dst, 16), len(lo)
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                codes[f"{code:0{width}x}".encode()] = chr(start + k)
    return codes


def pdf_text(pdf: bytes) -> list[str]:
    """Return the text shown on each page of ``pdf``, in page order (text runs joined by spaces)."""
    objs = _objects(pdf)

    def deref(ref: str) -> tuple[bytes, bytes | None]:
        return objs[int(ref)]

    pages = [n for n, (head, _) in objs.items() if re.search(rb"/Type\s*/Page\b", head)]
    order = re.search(rb"/Kids\s*\[([^\]]*)\]", next(h for h, _ in objs.values() if b"/Type /Pages" in h))
    if order is not None:
        pages = [int(x) for x in re.findall(rb"(\d+) 0 R", order.group(1))]
    texts = []
    for page in pages:
        head = objs[page][0].decode("latin-1")
        res = re.search(r"/Resources\s*" + _REF, head)
        res_text = deref(res.group(1))[0].decode("latin-1") if res else head
        fonts_m = re.search(r"/Font\s*<<(.*?)>>", res_text, re.S) or re.search(r"/Font\s*" + _REF, res_text)
        if fonts_m and fonts_m.group(1).strip().isdigit():
            fonts_text = deref(fonts_m.group(1))[0].decode("latin-1")
        else:
            fonts_text = fonts_m.group(1) if fonts_m else ""
        cmaps: dict[str, dict[bytes, str]] = {}
        for name, ref in re.findall(r"/([\w.+-]+)\s+" + _REF, fonts_text):
            font = deref(ref)[0].decode("latin-1")
            tu = re.search(r"/ToUnicode\s*" + _REF, font)
            data = deref(tu.group(1))[1] if tu else None
            cmaps[name] = _cmap(data) if data else {}
        contents = re.search(r"/Contents\s*" + _REF, head)
        stream = deref(contents.group(1))[1] or b"" if contents else b""
        runs, cmap = [], {}
        for tok in re.finditer(
            rb"/([\w.+-]+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", stream, re.S
        ):
            if tok.group(1) is not None:
                cmap = cmaps.get(tok.group(1).decode(), {})
                continue
            hexes = (
                re.findall(rb"<([0-9a-fA-F]*)>", tok.group(2)) if tok.group(2) is not None else [tok.group(3)]
            )
            width = len(next(iter(cmap), b"0000")) or 4
            runs.append(
                "".join(
                    cmap.get(h[i : i + width].lower(), "?") for h in hexes for i in range(0, len(h), width)
                )
            )
        texts.append(" ".join(runs))
    return texts

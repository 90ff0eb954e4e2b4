#!/usr/bin/env python3
"""Rebuild the badge font subsets from Debian's fonts-noto-cjk.

    apt-get install -y fonts-noto-cjk && pip install fonttools
    python3 widgets/assets/fonts/subset.py

Regular: ASCII, Latin-1, general and CJK punctuation, full-width forms and all
6763 GB2312 hanzi (levels 1 and 2: level 1 alone lacks place-name characters such
as 圳 in 深圳), plus a few GBK characters common in shop names and the badge's own
words. Only the `kern` layout feature is kept, which halves the glyph count.  Bold: only what the
status pill prints.  Both keep the upstream family name "Noto Sans CJK SC"
(the OFL reserved font name of this family is "Source", which is not used).
"""
import os
from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc"
SC_INDEX = 2  # Noto Sans CJK SC inside the collection

BADGE_WORDS = "溯源追溯已追溯待补录已召回更新扫码查验商家销售者产品批次序列号追溯码"
# GBK characters outside GB2312 that turn up in shop and brand names.
GBK_EXTRA = "喆堃昇玥珺祎犇鑫赟琍镕昕淏"


def gb2312_hanzi():
    """Rows 16-55 are level 1 (3755), rows 56-87 level 2 (3008); 0xD7FA-0xD7FE are empty."""
    chars = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    assert len(chars) == 6763, len(chars)
    return "".join(chars)


def regular_text():
    ranges = [
        (0x20, 0x7E),      # ASCII
        (0xA0, 0xFF),      # Latin-1 punctuation and letters
        (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
        (0x2030, 0x203B),  # per mille, primes, reference mark
        (0x2190, 0x2193),  # arrows
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF01, 0xFF5E),  # full-width forms
        (0xFFE0, 0xFFE5),  # full-width currency signs
    ]
    text = "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
    extra = "\u2116\u2122\u25a1\u25cb\u25cf\u2605\u2713\u00d7\u3007\u30fb"
    return text + extra + gb2312_hanzi() + GBK_EXTRA + BADGE_WORDS


def bold_text():
    return "".join(chr(c) for c in range(0x20, 0x7F)) + "已追溯待补录召回扫码查验溯源·"


def build(weight, text, out_name):
    font = TTCollection(SRC.format(weight)).fonts[SC_INDEX]
    options = subset.Options()
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True  # missing characters show a box
    options.layout_features = ["kern"]
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    out = os.path.join(HERE, out_name)
    font.save(out)
    print(out_name, os.path.getsize(out), "bytes,", len(font.getGlyphOrder()), "glyphs")


if __name__ == "__main__":
    build("Regular", regular_text(), "NotoSansCJKsc-Regular-subset.otf")
    build("Bold", bold_text(), "NotoSansCJKsc-Bold-subset.otf")

"""The letters that carry no decomposable diacritic but that people type without one.

Unicode decomposition strips most accents (``ẵ`` -> ``a`` + marks), but not ``đ``,
``ø`` or ``ł``: those need a table. The place matcher, the gazetteer builder and the
index analysis all fold with this one table, so a name folds the same way everywhere.
"""

from __future__ import annotations

LETTER_FOLDS = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "ð": "d",  # GeoNames writes Đà Lạt with the look-alike Icelandic Ð
        "Ð": "D",
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ħ": "h",
        "Ħ": "H",
        "þ": "th",
        "Þ": "TH",
        "ŀ": "l",
        "Ŀ": "L",
    }
)

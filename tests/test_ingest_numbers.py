import pytest

from kpi.ingest.numbers import fold, parse_number_text


@pytest.mark.parametrize("text, expected", [
    ("1080", (1080.0, False)),
    ("1.080", (1080.0, False)),          # Vietnamese thousands: one thousand and eighty
    ("1.234.567", (1234567.0, False)),
    ("1.234,5", (1234.5, False)),
    ("0,9", (0.9, False)),
    ("1 080", (1080.0, False)),
    ("\u00a01\u00a0080\u00a0", (1080.0, False)),
    ("90%", (90.0, True)),
    ("95,5 %", (95.5, True)),
    ("-3", (-3.0, False)),
    ("−3", (-3.0, False)),
    ("1.5", (1.5, False)),               # not groups of three: an English decimal point
    ("1,080", (1.08, False)),            # comma is the decimal mark
])
def test_numbers_as_typed(text, expected):
    assert parse_number_text(text) == expected


@pytest.mark.parametrize("text", ["abc", "", "%", "1.08.0", "12a", "1,2,3", "1.234.5"])
def test_not_numbers(text):
    assert parse_number_text(text) is None


def test_fold_normalises_nfc_spaces_and_case():
    decomposed = "Ma\u0303 chi\u0309 tiêu"   # NFD-ish input as some editors save it
    assert fold(decomposed) == fold("MÃ CHỈ TIÊU")
    assert fold("  Kỳ\u00a0 báo cáo ") == "kỳ báo cáo"

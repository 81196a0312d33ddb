import pytest

from kpi.ingest.numbers import ambiguous_readings, fold, parse_number_text


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


@pytest.mark.parametrize("text, readings", [
    ("1,080", (1080.0, 1.08)),           # thousands on an English keyboard, decimals on ours
    ("1.080", (1080.0, 1.08)),           # and the other way round
    ("2,500", (2500.0, 2.5)),
    ("12,345", (12345.0, 12.345)),
    ("0.500", (500.0, 0.5)),
    (" 1,080 ", (1080.0, 1.08)),
    ("-1,080", (1080.0, 1.08)),          # sign and % looked through (refused for their own reason)
    ("1,080 %", (1080.0, 1.08)),
])
def test_one_separator_before_three_digits_reads_two_ways(text, readings):
    assert ambiguous_readings(text) == readings


@pytest.mark.parametrize("text", ["12", "1080", "1,5", "12,5", "1.5", "1.234,5", "1.234.567", "0,500",
                                  "1234,567", "1,0800", "1 080", "abc", ""])
def test_one_reading_only(text):
    assert ambiguous_readings(text) is None


def test_fold_normalises_nfc_spaces_and_case():
    decomposed = "Ma\u0303 chi\u0309 tiêu"   # NFD-ish input as some editors save it
    assert fold(decomposed) == fold("MÃ CHỈ TIÊU")
    assert fold("  Kỳ\u00a0 báo cáo ") == "kỳ báo cáo"

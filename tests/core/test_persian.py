"""Persian digits, the search key (DESIGN §4) and cleaning of typed text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mahalleh.core.persian import (
    ARABIC_DIGITS,
    PERSIAN_DIGITS,
    clean_text,
    search_key,
    to_latin_digits,
    to_persian_digits,
)

ZWNJ = "\u200c"
ARABIC_YEH = "\u064a"
PERSIAN_YEH = "\u06cc"
ARABIC_KAF = "\u0643"
PERSIAN_KAF = "\u06a9"

# Characters that must never change a search key wherever they are inserted.
NOISE = [
    ZWNJ,
    "\u200d",  # ZWJ
    " ",
    "\t",
    "\u00a0",  # no-break space
    "\u0640",  # tatweel
    "\u064e",  # fatha
    "\u0650",  # kasra
    "\u064f",  # damma
    "\u0651",  # shadda
    "\u0652",  # sukun
    "\u064b",  # tanwin
    "\u0670",  # superscript alef
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u202b",  # RLE
    "\u202c",  # PDF
    "\u2067",  # RLI
    "\u2069",  # PDI
]

persian_letters = st.sampled_from(list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآ"))
persian_words = st.lists(persian_letters, min_size=1, max_size=20).map("".join)
# Text dense in the characters the functions treat specially, mixed with arbitrary ones.
tricky_text = st.one_of(
    st.text(),
    st.text(
        st.one_of(
            persian_letters,
            st.sampled_from(NOISE + ["\n", "\r", "ي", "ك", "ة", "آ", "ئ", "۱", "٢", "A", "ß", "İ", "ﻳ", "ﷺ"]),
            st.characters(),
        )
    ),
)


# --------------------------------------------------------------------------- digits


def test_persian_and_arabic_digits_become_latin():
    assert to_latin_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert to_latin_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_latin_digits("کد ۱۲-٣٤ ab") == "کد 12-34 ab"


def test_latin_digits_become_persian_and_other_characters_stay():
    assert to_persian_digits("1402/05/03") == "۱۴۰۲/۰۵/۰۳"
    assert to_persian_digits(1402) == "۱۴۰۲"
    assert to_persian_digits(-2.5) == "-۲.۵"
    assert to_persian_digits("abc") == "abc"


def test_none_gives_empty_digits():
    assert to_latin_digits(None) == ""
    assert to_persian_digits(None) == ""


@given(st.text())
def test_digits_round_trip_persian_to_latin(text):
    latin = to_latin_digits(text)
    assert to_latin_digits(to_persian_digits(latin)) == latin
    assert not any(c in PERSIAN_DIGITS + ARABIC_DIGITS for c in latin)


@given(st.integers())
def test_numbers_round_trip_through_persian_digits(number):
    persian = to_persian_digits(number)
    assert not any(c in "0123456789" for c in persian)
    assert int(to_latin_digits(persian)) == number


# --------------------------------------------------------------------------- search key


def test_the_four_spellings_of_mohammadreza_share_one_key():
    spellings = [
        "محمدرضا",
        "محمد رضا",
        "محمد" + ZWNJ + "رضا",
        "مُحَمَّدرضا",  # with diacritics
    ]
    assert {search_key(s) for s in spellings} == {"محمدرضا"}


def test_arabic_yeh_and_kaf_find_the_persian_spelling():
    assert search_key("علي" + ZWNJ + "رضا") == search_key("علیرضا") == "علیرضا"
    assert search_key("كريمي") == search_key("کریمی") == "کریمی"
    assert search_key("فاطمة") == search_key("فاطمه")
    assert search_key("مصطفى") == search_key("مصطفی")


def test_plural_with_and_without_zwnj_share_one_key():
    assert search_key("تحریمها") == search_key("تحریم" + ZWNJ + "ها") == search_key("تحریم ها") == "تحریمها"


def test_hamza_carrying_letters_fold_to_their_base_letter():
    assert search_key("مسئول") == search_key("مسيول")
    assert search_key("أحمد") == search_key("احمد")
    assert search_key("آرش") == search_key("ا\u0653رش")  # precomposed and decomposed madda agree


def test_search_key_folds_digits_case_bidi_marks_and_tatweel():
    assert search_key("۰۹۱۲ ۱۲۳ ٤٥٦٧") == "09121234567"
    assert search_key("\u200fAli REZA\u200e") == "alireza"
    assert search_key("محـــمد") == "محمد"


def test_search_key_folds_arabic_presentation_forms_and_full_width_letters():
    assert search_key("ﻣﺤﻤﺪ") == "محمد"
    assert search_key("ＡＢＣ１２") == "abc12"


def test_search_key_keeps_different_names_apart():
    assert search_key("محمد") != search_key("محمود")
    assert search_key("زهرا") != search_key("زهره")
    assert search_key("علی") != search_key("على رضا")


@pytest.mark.parametrize("empty", [None, "", "   ", ZWNJ, "\u200f"])
def test_empty_text_gives_empty_key(empty):
    assert search_key(empty) == ""


@given(tricky_text)
def test_search_key_is_idempotent(text):
    key = search_key(text)
    assert search_key(key) == key


@given(persian_words, st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(NOISE)), max_size=10))
def test_inserting_zwnj_spaces_tatweel_diacritics_or_bidi_marks_never_changes_the_key(word, insertions):
    noisy = word
    for position, noise in insertions:
        at = position % (len(noisy) + 1)
        noisy = noisy[:at] + noise + noisy[at:]
    assert search_key(noisy) == search_key(word)


YEH_AND_KAF_WORDS = st.lists(
    st.sampled_from([*"ابتسمنرد", "ی", ARABIC_YEH, "ى", "ک", ARABIC_KAF]), min_size=1, max_size=30
)


@given(YEH_AND_KAF_WORDS)
def test_swapping_arabic_yeh_and_kaf_never_changes_the_key(letters):
    persian = "".join(letters).replace(ARABIC_YEH, PERSIAN_YEH).replace("ى", PERSIAN_YEH)
    persian = persian.replace(ARABIC_KAF, PERSIAN_KAF)
    arabic = persian.replace(PERSIAN_YEH, ARABIC_YEH).replace(PERSIAN_KAF, ARABIC_KAF)
    assert search_key("".join(letters)) == search_key(persian) == search_key(arabic) == persian


@given(tricky_text)
def test_search_key_has_no_whitespace_or_zwnj_or_non_latin_digits(text):
    key = search_key(text)
    assert not any(c.isspace() for c in key)
    assert ZWNJ not in key
    assert not any(c in PERSIAN_DIGITS + ARABIC_DIGITS for c in key)


@given(st.text())
def test_persian_digits_find_latin_digits(text):
    assert search_key(to_persian_digits(text)) == search_key(text)


# --------------------------------------------------------------------------- clean text


def test_clean_text_strips_and_collapses_spaces():
    assert clean_text("  علی   \t رضایی \n") == "علی رضایی"


def test_clean_text_removes_bidi_marks_but_keeps_zwnj_and_letters_as_typed():
    typed = "\u200fعلي" + ZWNJ + "رضا  كريمي\u200e"
    assert clean_text(typed) == "علي" + ZWNJ + "رضا كريمي"


def test_clean_text_drops_only_zwnj_that_touch_a_space_or_an_end():
    typed = ZWNJ + "حسین" + ZWNJ + ZWNJ + "زاده " + ZWNJ + "تهرانی" + ZWNJ
    assert clean_text(typed) == "حسین" + ZWNJ + "زاده تهرانی"


def test_clean_text_multiline_keeps_line_breaks():
    assert clean_text(" خط  اول \r\n\r\n\r\n\r\nخط دوم ", multiline=True) == "خط اول\n\nخط دوم"


@pytest.mark.parametrize("empty", [None, "", "  ", "\u200f"])
def test_clean_text_of_nothing_is_empty(empty):
    assert clean_text(empty) == ""


@given(tricky_text, st.booleans())
def test_clean_text_is_idempotent_and_keeps_the_search_key(text, multiline):
    cleaned = clean_text(text, multiline=multiline)
    assert clean_text(cleaned, multiline=multiline) == cleaned
    assert search_key(cleaned) == search_key(text)
    assert cleaned == cleaned.strip()
    if not multiline:
        assert "  " not in cleaned and "\n" not in cleaned

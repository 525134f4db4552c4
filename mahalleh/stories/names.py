"""Does a story name a registered resident of its office?

A resident is "named" when their first and last name, folded by the registry's search key
(`core.persian.search_key`: Arabic yeh/kaf, ZWNJ and spaces folded), appear as two to four
consecutive words anywhere in the story's Persian or English text, title, summary, or image
descriptions and captions. So «مریم احمدی», «مريم احمدي» (Arabic yeh) and «مریم‌احمدی» all match
the resident مریم احمدی. A first name alone is not a match.

This is a check the system makes for the writer, not a read of the registry by the writer: the
answer names only the words the writer typed, whether they belong to a registered resident of the
office, and whether that resident (every resident of that name) has consented to photos and
stories. The PR officer, who may not read personal data, never sees anything else.
"""

import re
from dataclasses import dataclass, field

from mahalleh.core.persian import search_key
from mahalleh.registry.models import Consent, Person

# A word: letters and digits, with the harakat and tatweel that may sit inside a Persian word, and
# ZWNJ between its parts (مریم‌احمدی is one written word, but two names).
_LETTERS = r"(?:[^\W_]|[\u064b-\u065f\u0670\u0640])+"
_WORD = re.compile(rf"{_LETTERS}(?:\u200c{_LETTERS})*")
MAX_WORDS = 4


@dataclass
class NameMatch:
    phrase: str  # as written in the story
    person_ids: list[int] = field(default_factory=list)
    consented_ids: list[int] = field(default_factory=list)

    @property
    def residents(self) -> int:
        return len(self.person_ids)

    @property
    def consented(self) -> bool:
        """Every resident of this name has consent in force for photos and stories."""
        return len(self.consented_ids) == len(self.person_ids)


def candidate_keys(texts) -> dict[str, str]:
    """{search key of 2–4 consecutive words: the words as written}."""
    out: dict[str, str] = {}
    for text in texts:
        words = _WORD.findall(text or "")
        for i in range(len(words)):
            # A lone word counts only when it is joined by ZWNJ («مریم‌احمدی»): «محمدرضا» alone is a
            # first name, not the resident «محمد رضا».
            for n in range(1 if "\u200c" in words[i] else 2, MAX_WORDS + 1):
                if i + n > len(words):
                    break
                phrase = " ".join(words[i : i + n])
                out.setdefault(search_key(phrase), phrase)
    return out


def story_texts(story) -> list[str]:
    texts = [story.title_fa, story.summary_fa, story.body_fa, story.title_en, story.summary_en, story.body_en]
    for image in story.images.all():
        texts += [image.alt_fa, image.alt_en, image.caption_fa, image.caption_en]
    return texts


def consent_holders(person_ids) -> set[int]:
    """Of these residents, those whose latest photos-and-stories consent record is a 'given' one."""
    latest: dict[int, bool] = {}
    rows = (
        Consent.objects.filter(person_id__in=list(person_ids), purpose=Consent.Purpose.PHOTOS)
        .order_by("person_id", "-on", "-pk")
        .values_list("person_id", "given")
    )
    for person_id, given in rows:
        latest.setdefault(person_id, given)
    return {pk for pk, given in latest.items() if given}


def match_residents(*, office, texts) -> list[NameMatch]:
    """Names in the texts that belong to registered residents of the office, with their consent."""
    candidates = candidate_keys(texts)
    if not candidates or office is None:
        return []
    matches: dict[str, NameMatch] = {}
    # The search key is "<first><last>|<father>"; only the part before "|" is compared. One pass over
    # the office's keys (a few thousand short strings) is cheaper than thousands of LIKE clauses.
    residents = Person.objects.filter(household__neighbourhood__office=office).values_list("pk", "search_key")
    for pk, key in residents.iterator(chunk_size=5000):
        name_key = key.split("|", 1)[0]
        phrase = candidates.get(name_key)
        if phrase is not None and name_key:
            matches.setdefault(name_key, NameMatch(phrase=phrase)).person_ids.append(pk)
    if not matches:
        return []
    holders = consent_holders(pk for m in matches.values() for pk in m.person_ids)
    for m in matches.values():
        m.consented_ids = [pk for pk in m.person_ids if pk in holders]
    return sorted(matches.values(), key=lambda m: m.phrase)


def story_matches(story) -> list[NameMatch]:
    return match_residents(office=story.office, texts=story_texts(story))

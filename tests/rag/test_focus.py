"""rag.query.focus: passages cut to the sentences that bear on the question, weak ones left out."""

from __future__ import annotations

from rag.query.focus import focus
from tests.rag.chunks import chunk, words

FILLER = [f"Filler sentence number {i} talks about the weather in general terms." for i in range(12)]


def test_a_passage_within_its_share_is_kept_whole() -> None:
    short = chunk(1, "Employees get 26 days of paid leave. Leave is booked in the HR portal.")
    assert focus("How many days of leave?", [short], words, 100)[0].text == short.text


def test_the_answer_sentence_deep_in_a_long_passage_is_kept_within_the_budget() -> None:
    answer = "The Warsaw Stock Exchange was closed by the outbreak of World War II."
    long = chunk(1, " ".join([*FILLER[:9], answer, *FILLER[9:]]))
    got = focus("What brought the Warsaw stock exchange to a stop?", [long], words, 40)[0]
    assert answer in got.text
    assert words(got.text) <= 40 < words(long.text)
    assert got.text.startswith("…") and got.text.endswith("…")  # marked as an excerpt
    assert (got.id, got.file, got.page) == (long.id, long.file, long.page)


def test_rare_question_words_outweigh_words_every_sentence_has() -> None:
    # "Warsaw" and "first" are in every other sentence, "literary cabaret" in one: counted alike, the
    # first sentence would tie with the answer and win.
    warsaw = [f"Warsaw's first district number {i} has many old houses." for i in range(10)]
    answer = "Momus opened as a literary cabaret in 1908."
    text = " ".join([*warsaw[:3], answer, *warsaw[3:]])
    got = focus("What was Warsaw's first literary cabaret?", [chunk(1, text)], words, 25)[0]
    assert answer in got.text


def test_a_short_passage_leaves_its_unused_tokens_to_the_next() -> None:
    short = chunk(1, "Leave is 26 days; carrying it over is possible.")
    answer = "Carry-over of leave is limited to five days."
    long = chunk(2, " ".join([*FILLER[:6], answer, *FILLER[6:]]))
    got = focus("How many days of leave can be carried over?", [short, long], words, 30)
    assert got[0].text == short.text
    assert answer in got[1].text
    assert words(got[1].text) > 30  # more than its own 30: it got what the short one left
    assert sum(words(c.text) for c in got) <= 60


def test_a_passage_matching_much_worse_than_the_best_is_left_out() -> None:
    best = chunk(1, "Full-time employees receive 26 days of paid annual leave per year.")
    related = chunk(2, "Part-time employees receive paid annual leave pro rata.")
    weak = chunk(3, "The canteen opens at noon for employees.")
    got = focus("How many days of paid annual leave do full-time employees get?", [best, related, weak], words, 50)
    assert [c.id for c in got] == ["c1", "c2"]
    # keep=0 keeps every passage, in retrieval order.
    everything = focus("How many days of paid annual leave do full-time employees get?", [weak, best], words, 50,
                       keep=0.0)
    assert [c.id for c in everything] == ["c3", "c1"]


def test_the_total_budget_caps_all_passages() -> None:
    passages = [chunk(i, " ".join(FILLER)) for i in range(1, 4)]
    got = focus("weather in general?", passages, words, 80, budget=90)
    assert len(got) == 3 and sum(words(c.text) for c in got) <= 90


def test_chinese_sources_are_cut_by_sentence_and_matched_by_character_bigrams() -> None:
    other = [f"该市第{i}区有许多古老的建筑和公园。" for i in range(10)]
    answer = "员工每年享有二十六天带薪年假。"
    text = "".join([*other[:5], answer, *other[5:]])
    got = focus("员工每年有几天带薪年假？", [chunk(1, text)], words, 40)[0]
    assert answer in got.text and words(got.text) <= 40


def test_a_single_sentence_longer_than_the_budget_is_cut_to_fit() -> None:
    long = chunk(1, " ".join(f"w{i}" for i in range(300)) + ".")
    got = focus("w5 w6?", [long], words, 50)[0]
    assert words(got.text) <= 51 and got.text.startswith("w0 w1")


def test_no_sources_gives_no_sources() -> None:
    assert focus("anything?", [], words, 100) == []


def test_meaning_finds_the_answer_put_in_other_words() -> None:
    # No word of the answer sentence is in the question; the filler shares "first" and "Atlantic".
    answer = "Marconi made the first transatlantic wireless transmission in 1901."
    decoys = [f"The first Atlantic storm of season {i} was mild." for i in range(8)]
    long = chunk(1, " ".join([*decoys[:4], answer, *decoys[4:]]))
    question = "Who sent radio waves over the ocean?"

    def similarity(texts: list[str]) -> list[float]:
        return [0.8 if "Marconi" in t else 0.1 for t in texts]

    assert answer not in focus(question, [long], words, 15)[0].text
    assert answer in focus(question, [long], words, 15, similarity=similarity)[0].text

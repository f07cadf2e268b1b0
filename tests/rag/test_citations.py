"""rag.query.citations: the model's markers are checked against the sources, not trusted."""

from __future__ import annotations

import re

import pytest

from rag.llm.thinking import strip_thinking
from rag.query import citations
from rag.query.citations import ATTRIBUTION_THRESHOLD, SUPPORT_THRESHOLD, is_refusal
from rag.settings import AnswerSettings
from rag.text.words import overlap
from rag.types import Citation, RetrievedChunk

SNIPPET = AnswerSettings()


def verify(text: str, sources: list[RetrievedChunk]) -> tuple[str, list[Citation]]:
    return citations.verify(text, sources, snippet_chars=SNIPPET.snippet_chars, snippet_slack=SNIPPET.snippet_slack)


def best_snippet(answer: str, source: str, width: int = SNIPPET.snippet_chars) -> str:
    return citations.best_snippet(answer, source, width, SNIPPET.snippet_slack)

REFUSAL = "I don't know: the documents do not say."


def chunk(n: int, text: str, file: str, page: int | None = None, heading: str = "") -> RetrievedChunk:
    return RetrievedChunk(id=f"c{n}", text=text, file=file, page=page, page_end=page, heading=heading,
                 score=1.0 / n, similarity=0.5)


LEAVE = chunk(1, "Full-time employees receive 26 days of paid annual leave per calendar year. Leave requests "
                 "are submitted in the HR portal at least two weeks in advance.",
              "Employee Handbook.pdf", 3, "Annual leave")
ROBOT = chunk(2, "The NR-200 robot carries a payload of up to 200 kg. It runs for 10 hours on one battery "
                 "charge and recharges in 3 hours.",
              "Product Datasheet NR-200.pdf", 1, "Specifications")
PASSWORD = chunk(3, "Passwords must be at least 14 characters long. Multi-factor authentication is required "
                    "for remote access.",
                 "policies/IT Security Policy.docx", None, "Passwords")
HOTEL = chunk(4, "在一类城市出差，每晚住宿标准为600元。伙食补贴为每人每天100元。",
              "policies/差旅报销制度.docx", None, "住宿标准")
SOURCES = [LEAVE, ROBOT, PASSWORD]


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def test_marker_pointing_at_no_source_is_removed() -> None:
    # The claim is supported by nothing either, so the bad marker cannot be moved anywhere.
    text, cites = verify("Zebras migrate across the Serengeti plains every spring [7].", SOURCES)
    assert text == "Zebras migrate across the Serengeti plains every spring."
    assert cites == []


def test_out_of_range_marker_on_a_supported_claim_goes_to_its_source() -> None:
    text, cites = verify("Full-time employees receive 26 days of paid annual leave [9].", SOURCES)
    assert text == "Full-time employees receive 26 days of paid annual leave[1]."
    assert [c.file for c in cites] == ["Employee Handbook.pdf"]


@pytest.mark.parametrize("cited", ["[1, 3]", "[1][3]", "[1; 3]", "[1,3]"])
def test_multi_source_marker_forms(cited: str) -> None:
    text, cites = verify(f"Employees get 26 days of leave and passwords need 14 characters {cited}.", SOURCES)
    assert text == "Employees get 26 days of leave and passwords need 14 characters[1][2]."
    assert [(c.n, c.file) for c in cites] == [(1, "Employee Handbook.pdf"), (2, "policies/IT Security Policy.docx")]


def test_renumbered_in_order_of_first_use() -> None:
    text, cites = verify(
        "Passwords must be at least 14 characters long [3]. Employees receive 26 days of paid annual leave [1]. "
        "Passwords need 14 characters [3].",
        SOURCES,
    )
    assert markers(text) == [1, 2, 1]
    assert [(c.n, c.chunk_id) for c in cites] == [(1, "c3"), (2, "c1")]


def test_citations_list_only_used_sources_with_their_location() -> None:
    text, cites = verify("The NR-200 carries a payload of up to 200 kg [2].", SOURCES)
    assert text == "The NR-200 carries a payload of up to 200 kg[1]."
    assert len(cites) == 1
    c = cites[0]
    assert (c.n, c.file, c.page, c.heading, c.chunk_id) == (1, ROBOT.file, 1, "Specifications", "c2")
    assert c.score == ROBOT.score
    assert "200 kg" in c.snippet


def test_duplicate_numbers_in_one_marker_collapse() -> None:
    text, cites = verify("Passwords must be at least 14 characters long [3, 3].", SOURCES)
    assert markers(text) == [1] and len(cites) == 1


def test_uncited_answer_is_attributed_by_overlap() -> None:
    answer = "The NR-200 carries up to 200 kg. Full-time staff get 26 days of paid annual leave."
    assert overlap("The NR-200 carries up to 200 kg.", ROBOT.text) >= ATTRIBUTION_THRESHOLD
    text, cites = verify(answer, SOURCES)
    assert text == "The NR-200 carries up to 200 kg.[1] Full-time staff get 26 days of paid annual leave.[2]"
    assert [c.file for c in cites] == [ROBOT.file, LEAVE.file]


def test_attribution_never_splits_numbers_or_abbreviations() -> None:
    answer = "The NR-200 runs 10.5 hours, i.e. on one battery charge, and carries 200 kg."
    text, cites = verify(answer, SOURCES)
    assert text == answer[:-1] + ".[1]"
    assert [c.file for c in cites] == [ROBOT.file]


def test_uncited_answer_without_overlap_gets_no_marker() -> None:
    answer = "Bananas grow well in humid tropical climates."
    assert max(overlap(answer, s.text) for s in SOURCES) < ATTRIBUTION_THRESHOLD
    assert verify(answer, SOURCES) == (answer, [])


def test_marker_of_unrelated_source_moves_to_the_supporting_one() -> None:
    # The model cites the leave policy for the robot's payload: the claim shares nothing with it.
    claim = "The NR-200 carries a payload of up to 200 kg"
    assert overlap(claim, LEAVE.text) < SUPPORT_THRESHOLD <= ATTRIBUTION_THRESHOLD <= overlap(claim, ROBOT.text)
    text, cites = verify(claim + " [1].", SOURCES)
    assert text == claim + "[1]."
    assert [c.file for c in cites] == [ROBOT.file]


def test_marker_of_unrelated_source_is_dropped_when_nothing_supports_the_claim() -> None:
    text, cites = verify("Zebras migrate across the Serengeti plains every spring [1].", SOURCES)
    assert markers(text) == [] and cites == []


def test_only_the_unsupported_half_of_a_marker_is_dropped() -> None:
    text, cites = verify("Passwords must be at least 14 characters long [1, 3].", SOURCES)
    assert markers(text) == [1]
    assert [c.file for c in cites] == [PASSWORD.file]


def test_marker_after_the_full_stop_judges_the_sentence_before() -> None:
    _text, cites = verify("Leave is 26 days. The NR-200 carries a payload of up to 200 kg. [1]", SOURCES)
    assert [c.file for c in cites] == [ROBOT.file]


def test_short_claim_keeps_the_models_marker() -> None:
    # Two content words are too little to judge by overlap: trust the model.
    text, cites = verify("About 26 [2].", SOURCES)
    assert markers(text) == [1]
    assert [c.file for c in cites] == [ROBOT.file]


def test_cjk_marker_is_checked_and_kept() -> None:
    text, cites = verify("一类城市每晚住宿标准为600元[2]。", [LEAVE, HOTEL])
    assert text == "一类城市每晚住宿标准为600元[1]。"
    assert [c.file for c in cites] == [HOTEL.file]
    assert cites[0].snippet.startswith("在一类城市出差")


def test_cjk_wrong_marker_moves_and_uncited_is_attributed() -> None:
    text, cites = verify("一类城市每晚住宿标准为600元[1]。", [LEAVE, HOTEL])
    assert [c.file for c in cites] == [HOTEL.file] and markers(text) == [1]
    text, cites = verify("伙食补贴为每人每天100元。", [LEAVE, HOTEL])
    assert text == "伙食补贴为每人每天100元。[1]"
    assert [c.file for c in cites] == [HOTEL.file]


def test_cjk_unrelated_sentence_gets_no_citation() -> None:
    assert verify("熊猫生活在四川的竹林里。", [LEAVE, HOTEL]) == ("熊猫生活在四川的竹林里。", [])


def test_no_sources_means_no_citations() -> None:
    text, cites = verify("Passwords must be at least 14 characters long [1].", [])
    assert text == "Passwords must be at least 14 characters long." and cites == []


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        (REFUSAL, True),
        ("I don't know: the documents do not say [1].", True),
        ("  [2] ", True),
        ("", True),
        ("The sources do not contain the answer.", True),
        ("文档中没有提到这一点。", True),
        ("Full-time employees receive 26 days of paid annual leave [1].", False),
        # Long answers that merely mention a hint are answers.
        ("The handbook lists 26 days of paid leave; whether unused days carry over is not mentioned, but "
         "requests go through the HR portal at least two weeks ahead [1].", False),
    ],
)
def test_is_refusal(text: str, refused: bool) -> None:
    assert is_refusal(text, REFUSAL) is refused


def test_strip_thinking() -> None:
    assert strip_thinking("<think>the user asks about leave</think>\n26 days [1].") == "26 days [1]."
    assert strip_thinking("<think>a\nb</think>x<think>c</think> y") == "x y"
    assert strip_thinking("<think>never closed, cut by max_tokens") == ""
    assert strip_thinking("  no thinking  ") == "no thinking"


def test_best_snippet_picks_the_supporting_sentence() -> None:
    source = " ".join(
        [
            "The NR-200 is an autonomous mobile robot for warehouses.",
            "It navigates with lidar and two depth cameras.",
            "The list price of the NR-200 is €38,500 excluding VAT.",
            "Delivery takes six weeks from order.",
        ]
    )
    snippet = best_snippet("The NR-200 costs €38,500.", source, width=60)
    assert snippet.startswith("The list price of the NR-200 is €38,500")
    assert "lidar" not in snippet


def test_best_snippet_keeps_the_supporting_sentence_after_a_long_one() -> None:
    filler = "Background: " + "the fleet programme was reviewed by several committees over the years, " * 5
    snippet = best_snippet("The payload is 200 kg.", filler.strip() + ". The robot's payload is 200 kg.")
    assert "payload is 200 kg" in snippet


def test_best_snippet_of_a_long_sentence_is_cut() -> None:
    snippet = best_snippet("payload", "payload " * 200, width=100)
    assert snippet.endswith("…") and len(snippet) <= 100 + 80 + 1

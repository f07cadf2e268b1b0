"""Sources that disagree on the asked fact: the answer gives both, each cited and verified."""

from __future__ import annotations

from rag.query.citations import verify
from rag.query.conflicts import disagreements, with_disagreements
from tests.rag.chunks import chunk

POLICY = chunk(1, "Travel policy. The daily meal allowance on business trips is 40 euros. Receipts are not needed.",
               file="policy.docx")
FAQ = chunk(2, "Travel questions. The daily meal allowance on business trips is 55 euros. Hotels go through "
               "the travel desk.", file="faq.docx")
OTHER = chunk(3, "Parking costs 30 euros per month in garage B.", file="parking.docx")


def test_a_source_with_another_figure_for_the_same_claim_is_added_and_cited() -> None:
    text = "The daily meal allowance on business trips is 40 euros [1]."
    sources = [POLICY, FAQ, OTHER]
    assert disagreements(text, sources, same_claim=0.7) == [
        (2, "The daily meal allowance on business trips is 55 euros")]
    both = with_disagreements(text, "What is the daily meal allowance?", sources, same_claim=0.7,
                              cjk_question_share=0.3)
    verified, citations = verify(both, sources, snippet_chars=320, snippet_slack=80)
    assert "40 euros" in verified and "55 euros" in verified
    assert [c.file for c in citations] == ["policy.docx", "faq.docx"]


def test_agreeing_unrelated_or_qualified_sources_add_nothing() -> None:
    same = chunk(4, "The daily meal allowance on business trips is 40 euros, paid monthly.")
    qualified = chunk(5, "On Saturdays the office opens at 9:00 for visitors with a badge.")
    text = "The daily meal allowance on business trips is 40 euros [1]. The office opens at 8:00 [2]."
    assert disagreements(text, [same, qualified, OTHER], same_claim=0.7) == []
    assert disagreements("Employees get 26 days of leave [1].", [POLICY, FAQ], same_claim=0.7) == []
    assert disagreements("The allowance is generous [1].", [POLICY, FAQ], same_claim=0.7) == []  # no figure


def test_chinese_questions_get_the_note_in_chinese() -> None:
    a = chunk(1, "出差每日餐费补贴为40元。")
    b = chunk(2, "出差每日餐费补贴为55元。")
    out = with_disagreements("出差每日餐费补贴为40元[1]。", "出差每天的餐费补贴是多少？", [a, b], same_claim=0.7,
                             cjk_question_share=0.3)
    assert out.endswith("另一来源的说法不同：“出差每日餐费补贴为55元”[2]")

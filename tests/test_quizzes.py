"""Quizzes (DESIGN §6): every <quiz> parses, and the built page marks exactly the [x] answers."""

from __future__ import annotations

import re
from html import unescape

import pytest
from mkdocs_quiz.parsing import ANSWER_PATTERN, QUIZ_REGEX

from llmsite.snippets import REPO, pages


def quizzes(page):
    text = page.read_text(encoding="utf-8")
    out = []
    for block in re.findall(QUIZ_REGEX, text, flags=re.S):
        lines = [ln for ln in block.strip().splitlines()]
        question = lines[0].strip()
        answers = [(m[1].lower() == "x", m[2].strip()) for ln in lines if (m := ANSWER_PATTERN.match(ln.strip()))]
        explanation = "\n".join(ln for ln in lines[1:] if ln.strip() and not ANSWER_PATTERN.match(ln.strip()))
        out.append((question, answers, explanation))
    return out


CHAPTERS = [p for p in pages() if p.parent.name == "docs" and re.match(r"\d\d-", p.name) and "Coming soon" not in p.read_text()]


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_each_written_chapter_ends_with_a_sound_quiz(page):
    qs = quizzes(page)
    assert len(qs) >= 3, f"{page.name}: a chapter needs a quiz of at least 3 questions"
    for question, answers, explanation in qs:
        assert question and not question.startswith("-"), f"{page.name}: quiz without a question"
        assert len(answers) >= 2, f"{page.name}: {question!r} needs two answers or more"
        assert any(ok for ok, _ in answers), f"{page.name}: {question!r} has no correct answer"
        assert not all(ok for ok, _ in answers), f"{page.name}: {question!r} has no wrong answer"
        assert explanation, f"{page.name}: {question!r} should explain its answer"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_built_quiz_marks_exactly_the_intended_answers(page, built_site):
    html = (built_site / page.with_suffix(".html").name).read_text(encoding="utf-8")
    rendered = re.findall(r'<div class="quiz"[^>]*>(.*?)</form>', html, flags=re.S)
    expected = quizzes(page)
    assert len(rendered) == len(expected)
    for block, (question, answers, _) in zip(rendered, expected):
        got = [(bool(m[1]), unescape(re.sub(r"<[^>]+>", "", m[2])).strip())
               for m in re.finditer(r'<input type="(?:radio|checkbox)"[^>]*?( data-correct="true")?\s*>\s*<label[^>]*>(.*?)</label>', block, flags=re.S)]
        assert got == answers, f"{page.name}: {question!r}"
        kinds = set(re.findall(r'<input type="(radio|checkbox)"', block))
        assert kinds == ({"radio"} if sum(ok for ok, _ in answers) == 1 else {"checkbox"})
    assert "confetti: false" in html, "confetti must stay off (mkdocs.yml: mkdocs_quiz.confetti)"
    assert "confettiRadius" not in html, "the confetti library must not be shipped"

"""Quizzes (DESIGN §6): every <quiz> parses, tests understanding rather than test-taking, and the
built page marks exactly the [x] answers and works from the keyboard.

Rules checked on every chapter page (the quiz rules in README.md):
- every question has at least 4 options, exactly one of them right, and every option has its own
  `> ` feedback line (why it is right or wrong), plus an explanation after the answers;
- on each page the right answer is the longest option in at most 1/3 of the questions, and no
  position (1st, 2nd, ...) holds more than 40% of the right answers (rounded up to one question,
  so that a short quiz is not forced to have no repeats at all);
- "predict, then look" questions: the marked answer agrees with the recorded `.out` of the real
  model (PREDICTIONS below), so a new model or a changed snippet cannot make the quiz lie.
"""

from __future__ import annotations

import math
import re
from html import unescape

import pytest
from mkdocs_quiz.parsing import ANSWER_PATTERN, FEEDBACK_REGEX, QUIZ_REGEX

from llmsite.site.snippets import REPO, pages

MIN_OPTIONS = 4


def quizzes(page):
    """[(question, [(correct, answer, feedback)], explanation)] for each <quiz> of a page."""
    text = page.read_text(encoding="utf-8")
    out = []
    for block in re.findall(QUIZ_REGEX, text, flags=re.S):
        lines = block.strip().splitlines()
        first = next(i for i, ln in enumerate(lines) if ANSWER_PATTERN.match(ln.strip()))
        question = " ".join(ln.strip() for ln in lines[:first])
        answers, rest, i = [], [], first
        while i < len(lines):
            ln = lines[i]
            if m := ANSWER_PATTERN.match(ln.strip()):
                answers.append([m[1].lower() == "x", m[2].strip(), ""])
            elif answers and not rest and FEEDBACK_REGEX.match(ln) and ln.strip():
                answers[-1][2] = (answers[-1][2] + " " + FEEDBACK_REGEX.match(ln)[1]).strip()
            elif ln.strip() or rest:
                rest.append(ln)
            i += 1
        out.append((question, [tuple(a) for a in answers], "\n".join(rest).strip()))
    return out


CHAPTERS = [p for p in pages() if p.parent.name == "docs" and re.match(r"\d\d[a-z]?-", p.name) and "Coming soon" not in p.read_text()]


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_each_written_chapter_ends_with_a_sound_quiz(page):
    qs = quizzes(page)
    assert len(qs) >= 3, f"{page.name}: a chapter needs a quiz of at least 3 questions"
    for question, answers, explanation in qs:
        assert question and not question.startswith("-"), f"{page.name}: quiz without a question"
        assert len(answers) >= MIN_OPTIONS, f"{page.name}: {question!r} needs {MIN_OPTIONS} options or more"
        assert sum(ok for ok, _, _ in answers) == 1, f"{page.name}: {question!r} needs exactly one right answer"
        missing = [a for _, a, fb in answers if not fb]
        assert not missing, f"{page.name}: {question!r}: give every option a '> why' line; missing for {missing}"
        assert explanation, f"{page.name}: {question!r} should explain its answer after the options"


def correct_is_longest(answers):
    longest = max(len(a) for _, a, _ in answers)
    return any(ok and len(a) == longest for ok, a, _ in answers)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_the_right_answer_is_not_given_away_by_length_or_position(page):
    qs = quizzes(page)
    longest = [q for q, answers, _ in qs if correct_is_longest(answers)]
    assert len(longest) <= len(qs) / 3, (
        f"{page.name}: the right answer is the longest option in {len(longest)} of {len(qs)} questions "
        f"(at most 1/3): {longest}")
    positions = [next(i for i, (ok, _, _) in enumerate(answers) if ok) + 1 for _, answers, _ in qs]
    cap = max(1, math.floor(0.4 * len(qs)))
    for pos in set(positions):
        assert positions.count(pos) <= cap, (
            f"{page.name}: option {pos} is right in {positions.count(pos)} of {len(qs)} questions "
            f"(at most {cap}); right positions: {positions}")


def test_the_rules_hold_over_the_whole_course():
    qs = [q for page in CHAPTERS for q in quizzes(page)]
    assert sum(correct_is_longest(a) for _, a, _ in qs) <= len(qs) / 3
    positions = [next(i for i, (ok, _, _) in enumerate(a) if ok) for _, a, _ in qs]
    assert max(positions.count(p) for p in set(positions)) <= 0.4 * len(qs)
    assert all(len(a) >= MIN_OPTIONS for _, a, _ in qs)
    assert correct_is_longest([(True, "a long one", "x"), (False, "short", "x")])  # the rule can fail
    assert not correct_is_longest([(True, "short", "x"), (False, "a long one", "x")])


# "Predict, then look" (issue 13): the question (a fragment of it), the recorded output, and a
# pattern whose first group, found in that output, must appear in the marked answer.
PREDICTIONS = {
    "01-big-picture.md": ("Predict, then look", "snippets/01-big-picture/greedy_loop.out", r"^(The answer is: \d+)$"),
    "07-next-token-prediction.md": ("Predict, then look", "snippets/07-next-token-prediction/top_is_wrong.out",
                                    r"The capital of Australia is\n\s+'([^']+)'"),
    "08-sampling.md": ("Predict, then look", "snippets/08-sampling/temperature.out", r"^\s*0\.1\s+' a'\s+([\d.]+%)"),
    "13-limits.md": ("Predict, then look", "snippets/13-limits/lost_in_the_middle.out",
                     r"^\s*4 of 7\s+[\d.]+%\s+\S+\s+(\d+ of \d+)"),
}


@pytest.mark.parametrize("page_name", sorted(PREDICTIONS))
def test_predictions_agree_with_the_recorded_run(page_name):
    fragment, out, pattern = PREDICTIONS[page_name]
    recorded = re.search(pattern, (REPO / out).read_text(encoding="utf-8"), flags=re.M)
    assert recorded, f"{out} no longer shows {pattern!r}"
    matching = [a for q, a, _ in quizzes(REPO / "docs" / page_name) if fragment in q]
    assert len(matching) == 1, f"{page_name}: no single question contains {fragment!r}"
    right = next(text for ok, text, _ in matching[0] if ok)
    assert recorded[1] in right, f"{page_name}: the run recorded {recorded[1]!r}, the quiz marks {right!r}"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_built_quiz_marks_exactly_the_intended_answers(page, built_site):
    html = (built_site / page.with_suffix(".html").name).read_text(encoding="utf-8")
    rendered = re.findall(r'<div class="quiz"[^>]*>(.*?)</form>', html, flags=re.S)
    expected = quizzes(page)
    assert len(rendered) == len(expected)
    for block, (question, answers, _) in zip(rendered, expected):
        got = [(bool(m[1]), unescape(re.sub(r"<[^>]+>", "", m[2])).strip())
               for m in re.finditer(r'<input type="(?:radio|checkbox)"[^>]*?( data-correct="true")?\s*>\s*<label[^>]*>(.*?)</label>', block, flags=re.S)]
        assert got == [(ok, a) for ok, a, _ in answers], f"{page.name}: {question!r}"
        assert block.count('class="answer-feedback hidden"') == len(answers), f"{page.name}: {question!r}"
        kinds = set(re.findall(r'<input type="(radio|checkbox)"', block))
        assert kinds == ({"radio"} if sum(ok for ok, _, _ in answers) == 1 else {"checkbox"})
        assert 'class="quiz-button"' in block, "choosing must not submit: mkdocs.yml sets auto_submit: false"
    assert "confetti: false" in html, "confetti must stay off (mkdocs.yml: mkdocs_quiz.confetti)"
    assert "confettiRadius" not in html, "the confetti library must not be shipped"


@pytest.mark.browser
def test_quiz_from_the_keyboard_reach_change_check_hear(site_server, browser_page):
    """Keyboard only: Tab into a question, ↓ changes the choice without answering, Enter checks it,
    focus stays in the question and the feedback (aria-live) is that option's own explanation."""
    page = REPO / "docs" / "01-big-picture.md"
    question, answers, _ = quizzes(page)[0]
    browser_page.goto(f"{site_server}/01-big-picture.html")
    quiz = browser_page.locator("#quiz-0")
    feedback = quiz.locator(".quiz-feedback")
    assert feedback.get_attribute("aria-live") == "polite" and feedback.get_attribute("role") == "status"
    quiz.locator(".quiz-header-link").focus()
    browser_page.keyboard.press("Tab")  # reach: into the radio group
    focused = lambda: browser_page.evaluate("document.activeElement.id")  # noqa: E731
    assert focused() == "quiz-0-0"
    browser_page.keyboard.press("Space")  # choose option 1
    browser_page.keyboard.press("ArrowDown")  # change to option 2
    assert focused() == "quiz-0-1" and quiz.locator("#quiz-0-1").is_checked()
    assert not feedback.is_visible(), "choosing with the arrow keys must not answer"
    assert quiz.locator("#quiz-0-1").is_enabled()
    browser_page.keyboard.press("Enter")  # check
    feedback.wait_for(state="visible")
    ok, _, why = answers[1]
    assert why.split("`")[0][:40] in feedback.inner_text(), "the chosen option's own explanation is announced"
    assert ("correct" if ok else "wrong") in quiz.locator("fieldset > div").nth(1).get_attribute("class").split()
    assert ("correct" if ok else "incorrect") in feedback.locator(".quiz-feedback-item").get_attribute("class").split()
    assert browser_page.evaluate("document.activeElement.closest('.quiz')?.id") == "quiz-0", "focus left the quiz"
    assert quiz.locator("section.content").is_visible()

    # The next question, checked with the Submit button reached by Tab and pressed with Space.
    quiz = browser_page.locator("#quiz-1")
    right = next(i for i, (ok, _, _) in enumerate(quizzes(page)[1][1]) if ok)
    quiz.locator(f"#quiz-1-{right}").focus()
    browser_page.keyboard.press("Space")
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.classList.contains('quiz-button')")
    browser_page.keyboard.press("Space")
    quiz.locator(".quiz-feedback").wait_for(state="visible")
    assert "correct" in quiz.locator("fieldset > div").nth(right).get_attribute("class").split()
    assert browser_page.evaluate("document.activeElement.closest('.quiz')?.id") == "quiz-1"


@pytest.mark.browser
def test_quiz_layout_on_a_phone(site_server, browser):
    """390 px: a wrapped answer starts right of its radio (not under it); progress is shown once."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site_server}/04-self-attention.html")
    boxes = page.evaluate("""[...document.querySelectorAll('.quiz fieldset > div')].map(d => {
        const i = d.querySelector('input').getBoundingClientRect(), l = d.querySelector('label');
        const lines = [...l.getClientRects()];
        return {radio: i.right, left: Math.min(...lines.map(r => r.left)), lines: Math.round(l.getBoundingClientRect().height / parseFloat(getComputedStyle(l).lineHeight))};
    })""")
    assert any(b["lines"] > 1 for b in boxes), "no answer wraps at 390 px: the check would prove nothing"
    assert all(b["left"] > b["radio"] for b in boxes), boxes
    assert page.locator("#quiz-results").count() == 1
    assert not page.locator("#quiz-progress-mobile").is_visible(), "quiz progress shown twice on a phone"
    context.close()

"""A discussion under a page in a real browser: post, reply inline, resolve."""

from __future__ import annotations

from typing import Any

from tests.browser.support import follow, log_in

PAGE = "/framework/school-wide-systems"


def test_post_reply_and_resolve_a_comment(browser: Any, live_url: str) -> None:
    coach = browser.new_context(viewport={"width": 1280, "height": 900})
    teacher = browser.new_context(viewport={"width": 390, "height": 844})  # on a phone
    ada = log_in(coach, live_url, "ada")
    cole = log_in(teacher, live_url, "cole")

    # ada asks a question about one section of the page
    ada.goto(f"{live_url}{PAGE}#comments")
    comments = ada.locator("#comments")
    comments.get_by_label("About").select_option(label="A shared vision and graduate profile")
    question = "How often should the shared vision be revisited?"
    comments.get_by_label("Add a comment").fill(question)
    follow(ada, comments.get_by_role("button", name="Post comment"))
    thread = ada.locator("#comments .thread").filter(has_text=question)
    assert thread.count() == 1
    assert "A shared vision" in thread.locator(".thread-context").inner_text()
    assert ada.locator(".comment-count").inner_text() == "1 comment"

    # cole replies from a phone, in the form that opens under the comment
    cole.goto(f"{live_url}{PAGE}#comments")
    root = cole.locator("#comments .comment").filter(has_text=question)
    root.get_by_role("link", name="Reply").click()
    reply_box = root.get_by_role("textbox", name="Your reply")
    assert reply_box.evaluate("el => el === document.activeElement"), "the reply box has focus"
    answer = "Each spring, with the whole staff."
    reply_box.fill(answer)
    follow(cole, root.get_by_role("button", name="Post reply"))
    reply = cole.locator("#comments .comment.is-reply").filter(has_text=answer)
    assert reply.count() == 1
    assert "cole" in reply.locator(".comment-author").inner_text()
    width = cole.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the thread fits a phone"
    # a commenter may not resolve someone else's thread
    assert cole.get_by_role("button", name="Resolve").count() == 0

    # ada resolves the thread; it folds away with who resolved it
    ada.reload()
    follow(ada, ada.locator("#comments").get_by_role("button", name="Resolve"))
    resolved = ada.locator("details.resolved-threads")
    assert "1 resolved thread" in resolved.locator("summary").inner_text()
    if not resolved.evaluate("el => el.open"):  # the answer's #comment-id may have opened it
        resolved.locator("summary").click()
    assert resolved.locator(".resolved-badge").inner_text().startswith("Resolved by")
    assert resolved.get_by_text(answer).is_visible(), "resolving keeps the whole thread"
    coach.close()
    teacher.close()

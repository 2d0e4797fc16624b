"""Reader feedback kept in the database (SQLite and PostgreSQL): votes, reports, the
checks on what a reader sends, the rate limit, counts, resolving and renames."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from masterywiki.db.database import Database
from masterywiki.discussion.service import RateLimiter
from masterywiki.errors import CommentRateLimited, InvalidInput, InvalidPagePath
from masterywiki.people.accounts import User
from masterywiki.stewardship.feedback import (
    MAX_NOTE,
    REASONS,
    Feedback,
    FeedbackRateLimited,
    Report,
    ReportNotFound,
    can_review,
    parse_helpful,
)
from masterywiki.stewardship.reports_mail import report_message, report_text
from masterywiki.watching.notices import Mail
from tests.clock import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def feedback(database: Database, clock: Clock) -> Feedback:
    return Feedback(database, now=clock)


def test_a_vote_and_a_report_are_stored(feedback: Feedback, clock: Clock) -> None:
    vote = feedback.send("guide/first", True, None, "", None)
    assert vote == Report(vote.id, "guide/first", True, None, "", None, clock.now, None, None)
    clock.now += 5
    report = feedback.send("guide/first", False, "outdated", " The dates are old. ", "ada")
    assert report.id > vote.id
    assert (report.helpful, report.reason, report.note) == (False, "outdated", "The dates are old.")
    assert report.username == "ada" and report.created == clock.now
    assert feedback.open_reports() == [report]  # a vote alone is not a report
    assert feedback.get(report.id) == report


def test_a_report_without_a_vote(feedback: Feedback) -> None:
    report = feedback.send("guide/first", None, "missing", "", None)
    assert report.helpful is None and report.reason == "missing"
    assert feedback.open_reports("guide/first") == [report]
    assert feedback.helpful_counts("guide/first") == (0, 0)


@pytest.mark.parametrize(
    ("helpful", "reason", "note", "message"),
    [
        (None, None, "", "Say whether the page helped you"),
        (None, "", "just a note", "Say whether the page helped you"),
        (True, "boring", "", "'boring' is not a reason to report"),
        (None, "OUTDATED", "", "is not a reason to report"),
        (None, "other", "x" * (MAX_NOTE + 1), "The note is 2,001 characters; the limit is 2,000"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    feedback: Feedback, helpful: bool | None, reason: str | None, note: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        feedback.send("guide/first", helpful, reason, note, None)
    assert feedback.open_reports() == [] and feedback.helpful_counts("guide/first") == (0, 0)


def test_the_note_limit_counts_characters_after_line_ends(feedback: Feedback) -> None:
    longest = "é" * (MAX_NOTE - 2) + "\r\n" + "é"  # CRLF counts as one character
    assert len(feedback.send("a", None, "other", longest, None).note) == MAX_NOTE
    kept = feedback.send("a", None, "other", "a\x00b<script>alert(1)</script>", None)
    assert kept.note == "ab<script>alert(1)</script>"  # stored as text; shown escaped


def test_a_bad_page_name_is_refused(feedback: Feedback) -> None:
    with pytest.raises(InvalidPagePath):
        feedback.send("../etc", True, None, "", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("no", False), ("", None), (None, None), ("  ", None), (" Yes", True),
     (True, True), (False, False)],
)  # fmt: skip
def test_parse_helpful(value: str | bool | None, expected: bool | None) -> None:
    assert parse_helpful(value) is expected


@pytest.mark.parametrize("value", ["maybe", "1", "true"])
def test_parse_helpful_refuses_other_answers(value: str) -> None:
    with pytest.raises(InvalidInput, match="'helpful' must be 'yes' or 'no'"):
        parse_helpful(value)


def test_counts(feedback: Feedback, clock: Clock) -> None:
    for helpful in (True, True, False, None):
        feedback.send("guide/first", helpful, "outdated" if helpful is None else None, "", None)
    feedback.send("guide/first", False, "unclear", "", None)
    feedback.send("guide/second", None, "outdated", "", None)
    feedback.send("guide/second", True, None, "", None)
    assert feedback.helpful_counts("guide/first") == (2, 2)
    assert feedback.helpful_counts("guide/second") == (1, 0)
    assert feedback.helpful_counts("nowhere") == (0, 0)
    assert feedback.open_counts() == {"guide/first": 2, "guide/second": 1}
    assert feedback.open_outdated() == {"guide/first": 1, "guide/second": 1}


def test_open_reports_are_newest_first(feedback: Feedback, clock: Clock) -> None:
    sent = []
    for reason in REASONS:
        clock.now += 1
        sent.append(feedback.send("p", None, reason, reason, None))
    assert feedback.open_reports() == sent[::-1]
    assert feedback.open_reports("other-page") == []


def test_resolve(feedback: Feedback, clock: Clock) -> None:
    report = feedback.send("p", None, "outdated", "", None)
    other = feedback.send("p", None, "unclear", "", None)
    clock.now += 60
    done = feedback.resolve(report.id, "edna")
    assert (done.resolved, done.resolved_by) == (clock.now, "edna")
    assert feedback.open_reports() == [other]
    assert feedback.open_counts() == {"p": 1} and feedback.open_outdated() == {}
    clock.now += 60
    again = feedback.resolve(report.id, "ada")  # already closed: the first resolver stays
    assert again == done


def test_resolving_an_unknown_report_or_a_vote_is_404(feedback: Feedback) -> None:
    vote = feedback.send("p", True, None, "", None)
    for report_id in (vote.id, 999_999):
        with pytest.raises(ReportNotFound) as raised:
            feedback.resolve(report_id, "edna")
        assert raised.value.status == 404


def test_rename_keeps_reports_and_votes(feedback: Feedback) -> None:
    feedback.send("old", True, "outdated", "", None)
    feedback.send("old", False, None, "", None)
    feedback.send("older", False, None, "", None)
    assert feedback.rename("old", "new") == 2
    assert feedback.open_counts() == {"new": 1}
    assert feedback.helpful_counts("new") == (1, 1) and feedback.helpful_counts("older") == (0, 1)


def test_feedback_survives_a_new_service(database: Database) -> None:
    Feedback(database).send("p", None, "other", "kept", None)
    assert [r.note for r in Feedback(database).open_reports()] == ["kept"]


# -- the rate limit ----------------------------------------------------------------------


def limited(database: Database, clock: Clock, limit: int = 2) -> Feedback:
    return Feedback(database, now=clock, limiter=RateLimiter(database, limit, 600, clock))


def test_anonymous_readers_are_limited_per_address(database: Database, clock: Clock) -> None:
    feedback = limited(database, clock)
    for _ in range(2):
        feedback.send("p", True, None, "", None, address="10.0.0.1")
    with pytest.raises(FeedbackRateLimited, match="sent feedback 2 times") as raised:
        feedback.send("p", True, None, "", None, address="10.0.0.1")
    assert raised.value.status == 429 and 0 < raised.value.retry_after <= 600
    feedback.send("p", True, None, "", None, address="10.0.0.2")  # another address
    feedback.send("p", True, None, "", "ada", address="10.0.0.1")  # logged in: counted apart
    clock.now += 601
    feedback.send("p", True, None, "", None, address="10.0.0.1")  # the window passed


def test_users_are_limited_per_user_wherever_they_are(database: Database, clock: Clock) -> None:
    feedback = limited(database, clock)
    feedback.send("p", True, None, "", "ada", address="10.0.0.1")
    feedback.send("q", True, None, "", "ada", address="10.0.0.2")
    with pytest.raises(FeedbackRateLimited):
        feedback.send("p", True, None, "", "ada", address="10.0.0.3")
    feedback.send("p", True, None, "", "bo", address="10.0.0.1")


def test_mistakes_do_not_use_up_the_allowance(database: Database, clock: Clock) -> None:
    feedback = limited(database, clock, limit=1)
    with pytest.raises(InvalidInput):
        feedback.send("p", None, "nope", "", "ada")
    feedback.send("p", True, None, "", "ada")


def test_feedback_and_comments_do_not_share_counts(database: Database, clock: Clock) -> None:
    comments = RateLimiter(database, 2, 600, clock)
    feedback = Feedback(database, now=clock, limiter=RateLimiter(database, 2, 600, clock))
    comments.take("user:ada")
    comments.take("user:ada")
    feedback.send("p", True, None, "", "ada")  # the comments' allowance is used up, not this
    feedback.send("p", True, None, "", "ada")
    with pytest.raises(CommentRateLimited):
        comments.take("user:ada")
    with pytest.raises(FeedbackRateLimited):
        feedback.send("p", True, None, "", "ada")


# -- who reviews ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "owners", "expected"),
    [
        (None, ("ada",), False),
        (User("rea", "Rea", "", "reader"), ("ada",), False),
        (User("cora", "Cora", "", "commenter"), (), False),
        (User("ada", "Ada", "", "reader"), ("ada", "bo"), True),
        (User("edna", "Edna", "", "editor"), (), True),
        (User("root", "Root", "", "admin"), (), True),
    ],
)
def test_can_review(user: User | None, owners: tuple[str, ...], expected: bool) -> None:
    assert can_review(user, owners) is expected


# -- the email to an owner -----------------------------------------------------------------


MAIL = Mail("Riverbend Handbook", "https://wiki.example.org", "Riverbend <wiki@example.org>")
OLIVE = User("olive", "Olive Owner", "olive@example.org", "reader")


def test_the_owners_email() -> None:
    report = Report(7, "guide/first", False, "unclear", "Which scale?\nThe 4-point one?",
                    None, 1_700_000_000.0, None, None)  # fmt: skip
    to, data = report_message(report, "First\nChapter", "https://w/guide/first#feedback", OLIVE,
                              MAIL, report.created)  # fmt: skip
    assert to == "olive@example.org" and b"\r\n" in data  # SMTP line ends
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Reader report on First Chapter: unclear"
    assert message["From"] == "Riverbend <wiki@example.org>"
    assert message["To"] == "Olive Owner <olive@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@example.org>")
    assert message["Date"] == "Tue, 14 Nov 2023 22:13:20 +0000"
    body = message.get_content().replace("\r\n", "\n")
    assert "Reason: Unclear or confusing" in body and "From: a reader who was not logged in" in body
    assert "  Which scale?\n  The 4-point one?" in body
    assert "The page: https://w/guide/first#feedback" in body


def test_an_email_without_a_note_says_so() -> None:
    report = Report(8, "p", None, "outdated", "", "rita", 0.0, None, None)
    subject, body = report_text(report, "P", "https://w/p", MAIL)
    assert subject == "Reader report on P: outdated"
    assert "They left no note." in body and "From: rita" in body


def test_an_owner_reads_the_report_in_their_language() -> None:
    report = Report(9, "p", None, "unclear", "¿Qué escala?", None, 0.0, None, None)
    owner = User("ana", "Ana", "ana@example.org", "editor", language="es")
    _to, data = report_message(report, "Calificación", "https://w/p", owner, MAIL, 0.0)
    body = email.message_from_bytes(data, policy=email.policy.default).get_content()
    assert "Un lector informó de un problema con «Calificación»" in body
    assert "Motivo: Poco clara o confusa" in body
    assert "De: un lector que no había iniciado sesión" in body

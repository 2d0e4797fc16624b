"""A proposal's discussion: the comment log kept on the proposal's own branch. No Flask.

The same log format, body rules and rate limit as a page's comments
(discussion/), so a thread reads and behaves the same; each comment is a commit on
the branch, authored by whoever wrote it, and travels with the branch.
"""

from __future__ import annotations

from masterywiki.discussion import comments as model
from masterywiki.discussion.comments import EMPTY, Comment, Discussion, Event
from masterywiki.discussion.service import CommentService
from masterywiki.errors import Forbidden, InvalidInput, LoginRequired
from masterywiki.people.accounts import User
from masterywiki.proposals.record import COMMENTS_FILE, Proposal
from masterywiki.proposals.service import Proposals


class ProposalTalk:
    def __init__(self, proposals: Proposals, comments: CommentService) -> None:
        self.proposals = proposals
        self.comments = comments
        self.storage = proposals.storage

    def discussion(self, proposal: Proposal) -> Discussion:
        data = self.storage.read_file(proposal.tip, COMMENTS_FILE)
        return model.discussion(data) if data else EMPTY

    def post(
        self, number: int, body: str, user: User | None, *, parent: str | None = None,
        address: str = "",
    ) -> tuple[Proposal, Comment]:  # fmt: skip
        """Comment on proposal `number` (any state: a closed one can still be talked
        about), or reply to comment `parent`. Raises LoginRequired, Forbidden,
        InvalidInput, CommentTooLarge, CommentRateLimited, ProposalNotFound."""
        if user is None:
            raise LoginRequired("Log in to comment on a suggestion.")
        if not user.can("commenter") and user.username != self.proposals.get(number).author:
            raise Forbidden(
                f"Commenting needs the commenter role; your account has the {user.role} role."
            )
        text = self.comments.checked_body(body)
        parent = parent or None
        self._check_parent(self.discussion(self.proposals.get(number)), parent)
        self.comments.count_post(user, address)
        with self.proposals.lock():
            proposal = self.proposals.get(number)
            data = self.storage.read_file(proposal.tip, COMMENTS_FILE) or b""
            current = model.discussion(data) if data else EMPTY
            self._check_parent(current, parent)
            comment_id = self.comments.new_id()
            while current.get(comment_id) is not None:
                comment_id = self.comments.new_id()
            event = Event("comment", comment_id, user.username, self.comments.now(),
                          user.name or user.username, text, parent)  # fmt: skip
            data = model.append(data, event)
            self.proposals.commit_comments(proposal, data, f"Comment on suggestion {number}", user)
        comment = model.discussion(data).get(comment_id)
        assert comment is not None
        return self.proposals.get(number), comment

    @staticmethod
    def _check_parent(current: Discussion, parent: str | None) -> None:
        if parent is not None and current.get(parent) is None:
            raise InvalidInput("The comment you are replying to does not exist (any more).")

"""Relevance over the starter wiki: the page a practitioner means ranks first (or top 3).

Each case is a query a practitioner might type, and the page that must answer it. The
field uses several words for one idea, so many cases search by an alias or a synonym,
and a few by a misspelling.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from masterywiki.search import SearchService
from masterywiki.web.app import create_app


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    instance: Path = tmp_path_factory.mktemp("relevance") / "instance"
    app: Flask = create_app({"instance": instance})
    service: SearchService = app.extensions["masterywiki.search"]
    return service


FIRST = [
    # the title itself
    ("data backpack", "glossary/data-backpacks"),
    ("rubric", "glossary/rubric"),
    ("reassessment", "glossary/reassessment"),
    ("seat time", "glossary/seat-time"),
    ("body of evidence", "glossary/body-of-evidence"),
    ("mastery transcript", "glossary/mastery-transcript"),
    ("proficiency scale", "glossary/proficiency-scale"),
    ("student agency", "glossary/student-agency"),
    ("calibration protocol", "resources/calibration-protocol"),
    ("grading policy", "framework/grading-policy"),
    ("assessment design", "framework/assessment-design"),
    ("why averages mislead", "resources/why-averages-mislead"),
    ("playlist", "glossary/learning-playlist"),
    # another word for the same idea: glossary aliases
    ("competency-based", "glossary/competency-based-education"),
    ("mastery-based learning", "glossary/competency-based-education"),
    ("proficiency-based learning", "glossary/competency-based-education"),
    ("CBE", "glossary/competency-based-education"),
    ("learning goal", "glossary/learning-target"),
    ("learning objective", "glossary/learning-target"),
    ("learning outcome", "glossary/learning-target"),
    ("retake", "glossary/reassessment"),
    ("carnegie unit", "glossary/seat-time"),
    ("portrait of a graduate", "glossary/graduate-profile"),
    ("report card", "glossary/grade-reports"),
    ("grading for equity", "glossary/equitable-grading"),
    ("moderation", "glossary/calibration"),
    ("habits of work", "glossary/habits-of-success"),
    ("flexible pacing", "glossary/flexibly-paced-learning"),
    ("UDL", "glossary/universal-design-for-learning"),
    ("SBG", "glossary/standards-based-grading"),
    ("personalized learning", "glossary/personalization"),
    ("targeted intervention", "glossary/just-in-time-support"),
    ("grade weighting", "glossary/grade-composition"),
    ("cut score", "glossary/mastery-threshold"),
    # misspellings
    ("rubrik", "glossary/rubric"),
    ("calibraton", "glossary/calibration"),
    ("reasessment", "glossary/reassessment"),
    # other word forms
    ("formative", "glossary/formative-assessment"),
    ("progressions", "glossary/learning-progressions"),
    ("averaging", "resources/why-averages-mislead"),
]

TOP_THREE = [
    ("exhibition", "glossary/exhibition-of-learning"),
    ("performance-based", "glossary/competency-based-education"),
    ("mastery-based", "glossary/standards-based-grading"),  # "mastery-based grading"
    ("family letter", "resources/family-letter-templates"),
    ("student-led conference", "resources/student-led-conference-protocol"),
    ("podcast", "resources/retakes-without-chaos-podcast"),
    ("universal design", "glossary/universal-design-for-learning"),
    ("learner profile", "glossary/learner-profiles"),
]


@pytest.mark.parametrize(("text", "page"), FIRST)
def test_ranks_first(starter: SearchService, text: str, page: str) -> None:
    hits = [hit.name for hit in starter.search(text).hits]
    assert hits[:1] == [page], hits[:5]


@pytest.mark.parametrize(("text", "page"), TOP_THREE)
def test_ranks_in_the_top_three(starter: SearchService, text: str, page: str) -> None:
    hits = [hit.name for hit in starter.search(text).hits]
    assert page in hits[:3], hits[:5]


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("rubrik", "rubric"), ("calibraton", "calibration"), ("grading polcy", "grading policy")],
)
def test_misspelling_suggests_the_word(starter: SearchService, text: str, suggestion: str) -> None:
    assert starter.search(text).suggestion == suggestion


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("data backpack", "Data Backpacks"),
        ("competency-based learning", "Competency-Based Education"),
        ("Learning Goal", "Learning Target"),
        ("rubrik", "Rubric"),
    ],
)
def test_names_of_terms_show_the_definition(starter: SearchService, text: str, term: str) -> None:
    definition = starter.search(text).definition
    assert definition is not None
    assert definition.title == term
    assert definition.summary


def test_the_set_is_big_enough() -> None:
    assert len(FIRST) + len(TOP_THREE) >= 30

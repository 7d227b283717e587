"""Patient education's models, one module each: topics, clinicians, articles (with
their working copy), the emergency notice; what they share about languages and
publishing. Revisions and images have their own modules (education/revisions.py,
education/images.py); they are registered here with the rest."""

from education.images import Image
from education.models.articles import Article, ArticleQuerySet
from education.models.clinicians import Clinician
from education.models.languages import current_language
from education.models.notice import EmergencyNotice
from education.models.publishing import review_due_before
from education.models.search_words import SearchWord
from education.models.topics import Topic
from education.revisions import Revision

__all__ = [
    "Article",
    "ArticleQuerySet",
    "Clinician",
    "EmergencyNotice",
    "Image",
    "Revision",
    "SearchWord",
    "Topic",
    "current_language",
    "review_due_before",
]

"""What each staff role may do with patient education (combined in clinic/roles.py)."""

from core.roles import CLINICIANS, MEDICAL_REVIEWERS

PERMISSIONS = {
    CLINICIANS: [
        "education.view_article",
        "education.add_article",
        "education.change_article",
        "education.delete_article",
        "education.publish_article",
        # What patients read beside the articles (topics, the clinicians in the
        # bylines, the emergency notice, the images' words) is changed only by a
        # medical reviewer; a plain clinician reads it (README, "Roles").
        "education.view_topic",
        "education.view_clinician",
        "education.view_emergencynotice",
        # The image library; the front desk has no part in it. A new picture reaches
        # patients only in a revision a reviewer approves.
        "education.view_image",
        "education.add_image",
    ],
    # Approving a revision for patients: a medical reviewer's own sign-off; and the
    # text patients read beside the articles, changed under their own name.
    MEDICAL_REVIEWERS: [
        "education.view_article",
        "education.review_article",
        "education.add_topic",
        "education.change_topic",
        "education.add_clinician",
        "education.change_clinician",
        "education.change_emergencynotice",
        "education.change_image",
        "education.delete_image",
    ],
}

"""What each staff role may do with patient education (combined in clinic/roles.py)."""

from core.roles import CLINICIANS, MEDICAL_REVIEWERS

PERMISSIONS = {
    CLINICIANS: [
        "education.view_article",
        "education.add_article",
        "education.change_article",
        "education.delete_article",
        "education.publish_article",
        "education.view_topic",
        "education.add_topic",
        "education.change_topic",
        "education.view_clinician",
        "education.add_clinician",
        "education.change_clinician",
        "education.view_emergencynotice",
        "education.change_emergencynotice",
        # The image library; the front desk has no part in it.
        "education.view_image",
        "education.add_image",
        "education.change_image",
        "education.delete_image",
    ],
    # Approving a revision for patients: a medical reviewer's own sign-off.
    MEDICAL_REVIEWERS: ["education.view_article", "education.review_article"],
}

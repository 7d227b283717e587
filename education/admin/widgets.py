import json

from django.urls import reverse
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script


class ArticleBodyWidget(AdminProseEditorWidget):
    """The prose editor, started by education/article_editor.js instead of the
    package's own script: that one lets Tiptap inject a <style> element, which the
    site's Content-Security-Policy (style-src 'self') refuses.

    image_picker.js adds an "Insert image" button beside it, which lists the image
    library from the address in data-image-picker-url (ImageAdmin.picker_view)."""

    @property
    def media(self):
        return prose_editor_admin_media + Media(
            css={"all": ["education/article_editor.css", "education/image_picker.css"]},
            js=[
                prose_editor_js,
                Script("education/article_editor.js", type="module"),
                Script("education/image_picker.js", type="module"),
            ],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-image-picker-url"] = reverse(
            "admin:education_image_picker"
        )
        # The pictures of the body's [image N] markers, for article_editor.js to show
        # under each marker as the patient will see them (the picker adds new ones).
        context["widget"]["attrs"]["data-image-previews"] = json.dumps(image_previews(value))
        return context


def image_previews(body):
    """{id: {"url", "alt", "width", "height"}} of the library images the body's
    markers name, in one query."""
    from education.admin.images import picker_entry
    from education.images import MARKER, Image

    ids = {int(found) for found in MARKER.findall(body or "")}
    previews = {}
    for image in Image.objects.filter(pk__in=ids):
        entry = picker_entry(image)
        previews[str(image.pk)] = {"alt": entry["alt"], **entry["thumbnail"]}
    return previews

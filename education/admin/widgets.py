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
        return context

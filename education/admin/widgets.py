from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script


class ArticleBodyWidget(AdminProseEditorWidget):
    """The prose editor, started by education/article_editor.js instead of the
    package's own script: that one lets Tiptap inject a <style> element, which the
    site's Content-Security-Policy (style-src 'self') refuses."""

    @property
    def media(self):
        return prose_editor_admin_media + Media(
            css={"all": ["education/article_editor.css"]},
            js=[prose_editor_js, Script("education/article_editor.js", type="module")],
        )

// Starts the article body editor as django-prose-editor's "configurable" preset
// does, with one difference: Tiptap must not inject its own <style> element.
// The site's Content-Security-Policy (style-src 'self') blocks inline styles, so
// the rules Tiptap would inject come from article_editor.css instead.
import * as proseEditor from "django-prose-editor/editor"

const CONFIG_ATTRIBUTE = "data-django-prose-editor-configurable"
// ProseMirror's empty document, e.g. "<p></p>", is stored as an empty string.
const EMPTY_DOCUMENT = /^<(\w+)(\s[^>]*)?><\/\1>$/i

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null // already started
  const config = JSON.parse(textarea.getAttribute(CONFIG_ATTRIBUTE) || "{}")
  const extensions = Object.entries(config.extensions || {})
    .filter(([name]) => proseEditor[name])
    .map(([name, options]) =>
      typeof options === "object" ? proseEditor[name].configure(options) : proseEditor[name],
    )

  // The textarea's label names the editing area for screen readers.
  const label = document.querySelector(`label[for="${textarea.id}"]`)
  const name = label ? label.textContent.replace(/:\s*$/, "").trim() : "Body"

  const wrapper = document.createElement("div")
  wrapper.className = textarea.disabled ? "prose-editor disabled" : "prose-editor"
  textarea.before(wrapper)
  wrapper.append(textarea)

  return new proseEditor.Editor({
    element: wrapper,
    editable: !textarea.disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    editorProps: { attributes: { "aria-label": name, "aria-multiline": "true" } },
    onUpdate({ editor }) {
      const html = editor.getHTML()
      textarea.value = EMPTY_DOCUMENT.test(html) ? "" : html
      textarea.dispatchEvent(new Event("input", { bubbles: true }))
    },
    onDestroy() {
      wrapper.before(textarea)
      wrapper.remove()
    },
  })
}

proseEditor.initializeEditors(createEditor, `[${CONFIG_ATTRIBUTE}]`)

// Starts the article body editor as django-prose-editor's "configurable" preset
// does, with one difference: Tiptap must not inject its own <style> element.
// The site's Content-Security-Policy (style-src 'self') blocks inline styles, so
// the rules Tiptap would inject come from article_editor.css instead.
import * as proseEditor from "django-prose-editor/editor"

const CONFIG_ATTRIBUTE = "data-django-prose-editor-configurable"
// ProseMirror's empty document, e.g. "<p></p>", is stored as an empty string.
const EMPTY_DOCUMENT = /^<(\w+)(\s[^>]*)?><\/\1>$/i

// A library image's marker, "[image 12]", alone in a paragraph: shown in the editor
// with its picture under it (a widget decoration: the stored text keeps the marker).
const IMAGE_MARKER = /^\s*\[image (\d{1,9})\]\s*$/

function previewsOf(textarea) {
  try {
    return JSON.parse(textarea.dataset.imagePreviews || "{}")
  } catch {
    return {}
  }
}

function pictureOf(id, preview) {
  const figure = document.createElement("figure")
  figure.className = "library-image-preview"
  figure.contentEditable = "false"
  if (preview && preview.url) {
    const img = document.createElement("img")
    img.src = preview.url
    img.alt = preview.alt || ""
    if (preview.width) img.width = preview.width
    if (preview.height) img.height = preview.height
    figure.append(img)
  } else {
    const missing = document.createElement("p")
    missing.textContent = `No library image ${id}: this line will not show on the site.`
    figure.append(missing)
  }
  return figure
}

function libraryImages(textarea) {
  return proseEditor.Extension.create({
    name: "libraryImagePreviews",
    addDecorations() {
      return {
        create({ state }) {
          const previews = previewsOf(textarea)
          const widgets = []
          state.doc.forEach((node, offset, index) => {
            const found = node.type.name === "paragraph" && IMAGE_MARKER.exec(node.textContent)
            if (!found) return
            const id = found[1]
            const preview = previews[id]
            widgets.push(
              proseEditor.Decoration.Widget(offset + node.nodeSize, () => pictureOf(id, preview), {
                key: `library-image-${index}-${id}-${preview ? preview.url : "missing"}`,
                side: -1,
              }),
            )
          })
          return widgets
        },
      }
    },
  })
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null // already started
  const config = JSON.parse(textarea.getAttribute(CONFIG_ATTRIBUTE) || "{}")
  const extensions = Object.entries(config.extensions || {})
    .filter(([name]) => proseEditor[name])
    .map(([name, options]) =>
      typeof options === "object" ? proseEditor[name].configure(options) : proseEditor[name],
    )
  if (textarea.dataset.imagePreviews !== undefined) extensions.push(libraryImages(textarea))

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

// "Insert image from library" beside the article body editor (issue 13).
//
// A button opens a modal <dialog> listing the image library (newest first, or what a
// search by alt text or caption finds) from ImageAdmin.picker_view, whose address the
// widget puts on the textarea as data-image-picker-url. Choosing an image puts its
// marker, e.g. "[image 12]", in a paragraph of its own after the paragraph holding the
// cursor (or in place of an empty one), which the site shows as the picture.
// Only classes and DOM properties here: the Content-Security-Policy forbids inline
// styles, so every rule lives in image_picker.css.

const SEARCH_DELAY_MS = 250
let pickers = 0

function element(tag, properties = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(properties)) {
    if (name === "class") node.className = value
    else if (name === "text") node.textContent = value
    else if (name in node && !name.includes("-")) node[name] = value
    else node.setAttribute(name, value)
  }
  node.append(...children)
  return node
}

// The Tiptap editor of this textarea: article_editor.js wraps the textarea and the
// editing area in div.prose-editor, and Tiptap hangs itself on its DOM node (the
// editable one: the menubar's block-type picker has a .ProseMirror of its own).
function editorOf(textarea) {
  const area = textarea.closest(".prose-editor")?.querySelector(".ProseMirror[contenteditable]")
  return area ? area.editor : null
}

// The marker as a paragraph of its own: an empty paragraph holding the cursor is
// replaced, otherwise it goes after the top-level block the cursor is in, so no
// sentence (or list) is cut in two.
export function insertMarker(editor, marker) {
  const paragraph = { type: "paragraph", content: [{ type: "text", text: marker }] }
  const { $from } = editor.state.selection
  if ($from.depth === 0) {
    return editor.chain().focus().insertContentAt($from.pos, paragraph).run()
  }
  const block = $from.node(1)
  if (block.type.name === "paragraph" && block.content.size === 0) {
    const range = { from: $from.before(1), to: $from.after(1) }
    return editor.chain().focus().insertContentAt(range, paragraph).run()
  }
  return editor.chain().focus().insertContentAt($from.after(1), paragraph).run()
}

function describe(image) {
  if (image.decorative) return `Decorative image ${image.id}`
  return image.alt || `Image ${image.id}`
}

function choiceButton(image, choose) {
  const thumbnail = element("img", {
    src: image.thumbnail.url,
    alt: "", // the button's text says what the picture is
    width: image.thumbnail.width || 160,
    height: image.thumbnail.height || 120,
    loading: "lazy",
    decoding: "async",
    class: "image-picker__thumbnail",
  })
  const words = [
    element("span", { class: "image-picker__alt", text: describe(image) }),
    image.caption ? element("span", { class: "image-picker__caption", text: image.caption }) : "",
    element("code", { class: "image-picker__marker", text: image.marker }),
  ]
  const button = element("button", { type: "button", class: "image-picker__choice" }, [
    thumbnail,
    element("span", { class: "image-picker__words" }, words),
  ])
  button.addEventListener("click", () => choose(image))
  return element("li", {}, [button])
}

function createPicker(textarea) {
  if (textarea.dataset.imagePickerReady) return
  textarea.dataset.imagePickerReady = "1"
  const url = textarea.dataset.imagePickerUrl
  const id = `image-picker-${++pickers}`

  const opener = element("button", {
    type: "button",
    class: "button image-picker__open",
    "aria-haspopup": "dialog",
    "aria-controls": id,
    text: "Insert image from library",
  })
  const announce = element("p", { class: "image-picker__announce", role: "status" })
  const bar = element("div", { class: "image-picker" }, [opener, announce])

  const search = element("input", {
    type: "search",
    id: `${id}-search`,
    class: "image-picker__query",
    autocomplete: "off",
    "aria-describedby": `${id}-hint`,
  })
  const status = element("p", { class: "image-picker__status", role: "status", id: `${id}-status` })
  const results = element("ul", { class: "image-picker__results", "aria-labelledby": `${id}-title` })
  const closer = element("button", { type: "button", class: "image-picker__close", text: "Close" })
  const form = element("form", { class: "image-picker__search", role: "search", method: "dialog" }, [
    element("label", { for: `${id}-search`, text: "Search by alt text or caption" }),
    element("span", { class: "image-picker__row" }, [
      search,
      element("button", { type: "submit", class: "button", text: "Search" }),
    ]),
    element("span", {
      class: "image-picker__hint",
      id: `${id}-hint`,
      text: "Choose a picture to put it on a line of its own after the paragraph you are in.",
    }),
  ])
  const dialog = element(
    "dialog",
    { id, class: "image-picker__dialog", "aria-labelledby": `${id}-title` },
    [
      element("div", { class: "image-picker__header" }, [
        element("h2", { id: `${id}-title`, text: "Insert an image from the library" }),
        closer,
      ]),
      form,
      status,
      results,
    ],
  )
  // Outside the article's <form>: a form may not hold another, and Enter in the
  // search box must search, not save the article.
  document.body.append(dialog)

  const parent = textarea.closest(".prose-editor") || textarea
  parent.before(bar)

  let latest = 0
  let timer = null
  let chosen = false

  async function load() {
    const request = ++latest
    status.textContent = "Loading images…"
    results.replaceChildren()
    let data
    try {
      const query = new URLSearchParams({ q: search.value.trim() })
      const response = await fetch(`${url}?${query}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
      if (response.status === 403) throw new Error("forbidden")
      if (!response.ok) throw new Error(String(response.status))
      data = await response.json()
    } catch (error) {
      if (request !== latest) return
      status.textContent =
        error.message === "forbidden"
          ? "You do not have access to the image library."
          : "The image library could not be loaded. Try again."
      return
    }
    if (request !== latest) return // a newer search has started
    results.replaceChildren(...data.results.map((image) => choiceButton(image, choose)))
    const count = data.results.length
    if (!count) {
      status.textContent = search.value.trim()
        ? "No image matches that search. Try another word, or upload the picture under Images."
        : "The library has no images yet. Upload them under Patient education → Images."
    } else {
      status.textContent = data.more
        ? `Showing the ${count} newest matches; search to narrow them down.`
        : `${count} image${count === 1 ? "" : "s"} found.`
    }
  }

  function choose(image) {
    const editor = editorOf(textarea)
    chosen = Boolean(editor)
    dialog.close()
    if (!editor) {
      announce.textContent = `The editor is not ready; type ${image.marker} on a line of its own.`
      opener.focus()
      return
    }
    // Its picture, for the editor to show under the marker (article_editor.js).
    let previews = {}
    try {
      previews = JSON.parse(textarea.dataset.imagePreviews || "{}")
    } catch {}
    previews[image.id] = { alt: image.alt, ...image.thumbnail }
    textarea.dataset.imagePreviews = JSON.stringify(previews)
    insertMarker(editor, image.marker)
    announce.textContent = `Inserted ${image.marker}: ${describe(image)}.`
  }

  opener.addEventListener("click", () => {
    announce.textContent = ""
    chosen = false
    dialog.showModal()
    search.focus()
    load()
  })
  closer.addEventListener("click", () => {
    dialog.close()
  })
  // Closed without a choice (Escape or Close): back to the button that opened it.
  // After a choice the editor has the focus, just after the new marker.
  dialog.addEventListener("close", () => {
    if (!chosen) opener.focus()
  })
  form.addEventListener("submit", (event) => {
    event.preventDefault()
    clearTimeout(timer)
    load()
  })
  search.addEventListener("input", () => {
    clearTimeout(timer)
    timer = setTimeout(load, SEARCH_DELAY_MS)
  })
}

function start() {
  for (const textarea of document.querySelectorAll("textarea[data-image-picker-url]")) {
    createPicker(textarea)
  }
}

start()

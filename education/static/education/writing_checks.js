// The readability panel under the article editor: as the clinician types, the text is
// sent (after a pause) to the admin's writing-checks view, which answers with the
// reading grade, long sentences, plainer words, picture and heading problems
// (education/writing_checks.py). Built with DOM calls only: the admin's
// Content-Security-Policy allows no inline script or style.
const PAUSE_MS = 700

function element(tag, text, className) {
  const node = document.createElement(tag)
  if (text) node.textContent = text
  if (className) node.className = className
  return node
}

function section(title, items) {
  const fragment = document.createDocumentFragment()
  if (!items.length) return fragment
  fragment.append(element("h3", title))
  const list = element("ul")
  for (const item of items) list.append(element("li", item))
  fragment.append(list)
  return fragment
}

function show(panel, result) {
  const summary = panel.querySelector(".writing-checks-summary")
  const details = panel.querySelector(".writing-checks-details")
  if (!result.words) {
    summary.textContent = "Start writing: the checks appear here."
    summary.classList.remove("writing-checks-above")
    details.replaceChildren()
    return
  }
  const grade = result.grade === null ? "–" : result.grade.toFixed(1)
  // English: a grade, lower is easier; Spanish: Fernández-Huerta, higher is easier.
  const higherIsEasier = result.easier === "higher"
  const verdict = result.above_target
    ? `${higherIsEasier ? "below" : "above"} the target of ${result.target}: try shorter sentences and plainer words`
    : `within the target of ${result.target} or ${higherIsEasier ? "higher" : "lower"}`
  summary.textContent =
    `${result.words} words · about ${result.minutes} min to read · ` +
    `${result.measure || "Flesch-Kincaid grade"} ${grade}, ${verdict}.`
  summary.classList.toggle("writing-checks-above", result.above_target)
  details.replaceChildren(
    section(
      `Sentences over ${result.long_sentence_words} words`,
      result.long_sentences.map((s) => `${s.words} words: “${s.start}”`),
    ),
    section(
      "Words with a plainer way to say them",
      result.plainer_words.map(
        (w) => `“${w.term}”${w.count > 1 ? ` (${w.count} times)` : ""}: try “${w.plainer}”`,
      ),
    ),
    section("Pictures", result.pictures),
    section("Headings", result.headings),
  )
}

function start(panel) {
  const form = panel.closest("form")
  const body = form && form.querySelector("#id_body")
  if (!body) return
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value
  let timer = null
  let sent = 0

  async function check() {
    const mine = ++sent
    const data = new URLSearchParams({ body: body.value, csrfmiddlewaretoken: token })
    try {
      const response = await fetch(panel.dataset.url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token },
      })
      if (!response.ok) throw new Error(response.statusText)
      const result = await response.json()
      if (mine === sent) show(panel, result) // an older answer must not overwrite a newer one
    } catch {
      panel.querySelector(".writing-checks-summary").textContent =
        "The checks could not run just now; they will try again as you type."
    }
  }

  body.addEventListener("input", () => {
    clearTimeout(timer)
    timer = setTimeout(check, PAUSE_MS)
  })
  check()
}

document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("writing-checks")
  if (panel) start(panel)
})

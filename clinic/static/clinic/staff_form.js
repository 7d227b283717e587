// The staff form (clinic/admin.py): the clinician profile fields show only for the
// roles that write or review articles. Without JavaScript they simply stay visible.
"use strict"
document.addEventListener("DOMContentLoaded", () => {
  const CLINICAL = new Set(["clinician", "reviewer"])
  const section = document.getElementById("id_clinician")?.closest("fieldset")
  const roles = document.querySelectorAll("input[name=role]")
  if (!section || !roles.length) return
  const update = () => {
    const role = document.querySelector("input[name=role]:checked")?.value
    section.hidden = !CLINICAL.has(role)
  }
  roles.forEach((input) => input.addEventListener("change", update))
  update()
})

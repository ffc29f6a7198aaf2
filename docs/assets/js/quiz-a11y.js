// Screen readers: announce quiz feedback when it appears (mkdocs-quiz renders a plain div).
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".quiz-feedback")) {
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
  }
});

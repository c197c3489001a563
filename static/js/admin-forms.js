// The admin's change forms (templates/admin/timeline/change_form.html); each works without it.
"use strict";

// A refused quote: the error offers the article's nearest words; the button puts them in the quote.
function offerArticleWords() {
  for (const button of document.querySelectorAll("button.use-article-words[data-quote]")) {
    const quote = document.getElementById(button.dataset.quote);
    const words = document.getElementById(`${button.dataset.quote}_article`);
    if (!quote || !words) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      quote.value = words.textContent;
      quote.dispatchEvent(new Event("input", { bubbles: true }));
      button.textContent = "The article's words are in the quote: save to keep them";
      button.disabled = true;
      quote.focus();
    });
  }
}

// The summary of a refused save is read first, and its links lead to the fields.
function focusErrorSummary() {
  document.getElementById("error-summary")?.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  offerArticleWords();
  focusErrorSummary();
});

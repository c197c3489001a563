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

// A date field says the date as it is understood ("Saturday 1 October 2022"), as the editor types
// or picks it from the calendar (which focuses the field); timeline/widgets.py writes the same.
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

function dateInWords(value) {
  if (!value.trim()) return "";
  const parts = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(value);
  if (parts) {
    const [year, month, day] = parts.slice(1).map(Number);
    const date = new Date(Date.UTC(2000, month - 1, day));
    date.setUTCFullYear(year);  // years before 100 too
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) {
      return `${WEEKDAYS[date.getUTCDay()]} ${day} ${MONTHS[month - 1]} ${year}`;
    }
  }
  return "Not a date: write it as 2022-01-05.";
}

// Listened for on the document, so that rows added to an inline (a new figure) say it too.
function sayDateInWords(event) {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.id) return;
  const output = input.parentElement?.querySelector(`output[data-date-in-words][for="${input.id}"]`);
  if (output) output.textContent = dateInWords(input.value);
}

for (const type of ["input", "change", "focusin", "focusout"]) document.addEventListener(type, sayDateInWords);

document.addEventListener("DOMContentLoaded", offerArticleWords);

// The summary of a refused save is read first, and its links lead to the fields. On "load", after
// the admin's change_form.js has put the focus on the first field of an add form.
window.addEventListener("load", () => document.getElementById("error-summary")?.focus());

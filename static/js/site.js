// Progressive enhancements; every page works without them.
"use strict";

// A quoted passage can be cut into several <mark> pieces where passages overlap, and only
// its first piece carries the anchor: when the address points at a passage, outline every
// piece of it, not just the first.
function outlineTargetPassage() {
  for (const piece of document.querySelectorAll("mark.is-target")) {
    piece.classList.remove("is-target");
  }
  const anchor = decodeURIComponent(location.hash.slice(1));
  if (!/^[cfp]\d+$/.test(anchor)) return;
  for (const piece of document.querySelectorAll("mark[data-passages]")) {
    if (piece.dataset.passages.split(" ").includes(anchor)) piece.classList.add("is-target");
  }
}

document.addEventListener("DOMContentLoaded", outlineTargetPassage);
window.addEventListener("hashchange", outlineTargetPassage);

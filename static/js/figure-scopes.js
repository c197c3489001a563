// A figure's scope field offers the scopes its measure already has (timeline/admin.py, ScopeInput):
// the server lists those of the measure the form was opened with; this follows the measure chosen
// since, in the figure's own form and in each figure of an event. Without it, the list stays as sent.
(function () {
  "use strict";

  function refresh(input) {
    const list = input.nextElementSibling;
    if (!list || list.tagName !== "DATALIST") return;
    // A figure added on the event's page is a copy of the empty form: its list's id was renumbered.
    if (input.getAttribute("list") !== list.id) input.setAttribute("list", list.id);
    const scopes = JSON.parse(input.dataset.scopes || "{}");
    const measure = input.form && input.form.elements[input.name.replace(/scope$/, "measure")];
    const offered = measure && measure.value ? scopes[measure.value] || [] : [...new Set(Object.values(scopes).flat())];
    list.replaceChildren(
      ...offered.map((scope) => {
        const option = document.createElement("option");
        option.value = scope;
        return option;
      }),
    );
  }

  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("input[data-scopes]")) refresh(event.target);
  });
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (!field.form || !/(^|-)measure$/.test(field.name || "")) return;
    const scope = field.form.elements[field.name.replace(/measure$/, "scope")];
    if (scope && scope.dataset && "scopes" in scope.dataset) refresh(scope);
  });
})();

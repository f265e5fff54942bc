// Enhancements only: the page works the same without this file.
// - facet checkboxes and the sort menu submit the search at once;
// - empty fields are left out of the URL, so permalinks stay short;
// - on a phone the filter panel starts folded.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("search");
  if (!form) { return; }

  function submit() {
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  form.addEventListener("submit", function () {
    var fields = form.elements;
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.name && field.value === "" && field.tagName !== "BUTTON") { field.disabled = true; }
    }
    var sort = document.getElementById("sort");
    if (sort && sort.value === "relevance") { sort.disabled = true; }
    // Re-enable after the navigation starts, in case the page is restored from cache.
    window.setTimeout(function () {
      for (var j = 0; j < fields.length; j++) { fields[j].disabled = false; }
    }, 0);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[type="checkbox"][form="search"], select[data-autosubmit]')) { submit(); }
  });

  var panel = document.querySelector(".filters-panel");
  if (panel && window.matchMedia("(max-width: 46rem)").matches) { panel.open = false; }
})();

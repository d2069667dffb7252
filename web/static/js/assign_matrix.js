// Assignment matrices: a row's or a column's button turns all its cells on (or, when all
// are on already, off). Loads are counted by the server once the matrix is saved.
(function () {
  "use strict";
  function boxes(key, value) {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="cell"][data-' + key + '="' + value + '"]'))
      .filter(function (box) { return !box.disabled; });
  }
  document.querySelectorAll("button.bulk").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.row ? "row" : "col";
      var all = boxes(key, button.dataset[key]);
      var on = all.some(function (box) { return !box.checked; });
      all.forEach(function (box) { box.checked = on; });
    });
  });
})();

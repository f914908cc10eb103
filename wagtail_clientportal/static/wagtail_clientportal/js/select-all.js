// "Select the whole section" on a portal listing: ticks every row's box, and a row's box
// unticked unticks it. A static file: the portal's CSP allows no inline script.
// Without JavaScript the checkbox works on its own: the server reads "section" and puts
// the whole section in the archive, whatever rows are ticked.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-zip-form]"), function (form) {
    var all = form.querySelector("[data-select-all]");
    var rows = form.querySelectorAll("[data-select-one]");
    if (!all) { return; }
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(rows, function (box) { box.checked = all.checked; });
    });
    Array.prototype.forEach.call(rows, function (box) {
      box.addEventListener("change", function () { if (!box.checked) { all.checked = false; } });
    });
  });
})();

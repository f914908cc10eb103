// The page of an audit export being built: reload every few seconds until it is done.
(function () {
  var section = document.querySelector("[data-audit-export]");
  if (section && section.dataset.running === "1") {
    window.setTimeout(function () { window.location.reload(); }, 5000);
  }
})();

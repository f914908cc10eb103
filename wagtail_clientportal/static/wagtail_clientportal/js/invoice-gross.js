// The invoice form: gross follows net + VAT while typing (the server computes it too).
(function () {
  "use strict";
  function cents(input) {
    var value = (input.value || "").replace(/\s/g, "").replace(",", ".");
    if (!/^-?\d+(\.\d{0,2})?$/.test(value)) return null;
    return Math.round(parseFloat(value) * 100);
  }
  function setUp() {
    var net = document.getElementById("id_net_amount");
    var vat = document.getElementById("id_vat_amount");
    var gross = document.getElementById("id_gross_amount");
    if (!net || !vat || !gross) return;
    function update() {
      var a = cents(net);
      var b = cents(vat);
      if (a !== null && b !== null) gross.value = ((a + b) / 100).toFixed(2);
    }
    net.addEventListener("input", update);
    vat.addEventListener("input", update);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

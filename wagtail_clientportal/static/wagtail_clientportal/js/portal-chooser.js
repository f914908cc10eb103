// The share dialog's "Panele klienta" field: Wagtail's chooser modal, in its multiple-choice
// mode, adds portals (a hidden "portals" input each); "Usuń" takes one off. Names are set as
// text, never as HTML.
(function () {
  "use strict";

  function setUp(field) {
    var list = field.querySelector("[data-list]");
    var empty = field.querySelector("[data-empty]");
    var choose = field.querySelector("[data-choose]");
    var removeLabel = field.dataset.removeLabel;

    function refresh() {
      empty.hidden = list.children.length > 0;
    }

    function add(portal) {
      var id = String(portal.id);
      var present = Array.prototype.some.call(list.children, function (li) {
        return li.dataset.id === id;
      });
      if (present) return;
      var li = document.createElement("li");
      li.className = "w-mb-1";
      li.dataset.id = id;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = field.dataset.name;
      input.value = id;
      var name = document.createElement("strong");
      name.textContent = portal.title;
      var rest = document.createTextNode(" — " + portal.client + " (" + portal.users + ") ");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-small button-secondary";
      remove.dataset.remove = "";
      remove.textContent = removeLabel;
      remove.setAttribute("aria-label", removeLabel + ": " + portal.title + " (" + portal.client + ")");
      li.append(input, name, rest, remove);
      list.append(li);
    }

    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (!button) return;
      button.closest("li").remove();
      refresh();
      choose.focus();
    });

    choose.addEventListener("click", function () {
      var params = { multiple: 1 };
      if (field.dataset.client) params.client = field.dataset.client;
      window.ModalWorkflow({
        url: field.dataset.chooserUrl,
        urlParams: params,
        onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
        responses: {
          chosen: function (result) {
            [].concat(result).forEach(add);
            refresh();
          },
        },
      });
    });
  }

  function setUpAll() {
    document.querySelectorAll("[data-clientportal-portals]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();

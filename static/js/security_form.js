// The new-security form: show only the chosen instrument's groups of fields, without a reload.
// The other instruments' groups are hidden and disabled (so they are not sent and the browser
// does not ask for their fields); the shown group's marked fields become required. Without this
// script every group shows and the server reads only the chosen instrument's fields.
(function () {
  "use strict";

  function setUp(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) {
      return;
    }
    var groups = form.querySelectorAll("fieldset[data-instrument]");
    var hint = form.querySelector("[data-choose-instrument]");

    function sync() {
      var chosen = kind.value;
      groups.forEach(function (group) {
        var on = group.getAttribute("data-instrument") === chosen;
        group.hidden = !on;
        group.disabled = !on;
        group.querySelectorAll("[data-required]").forEach(function (input) {
          input.required = on;
        });
        group.querySelectorAll("[data-no-script-hint]").forEach(function (note) {
          note.hidden = true;
        });
      });
      if (hint) {
        hint.hidden = chosen !== "";
      }
    }

    kind.addEventListener("change", sync);
    sync();
  }

  function start() {
    document.querySelectorAll("form[data-security-form]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

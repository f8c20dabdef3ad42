// First run: preselect the browser's own time zone, unless the form came back with one chosen.
(function () {
  "use strict";
  var select = document.getElementById("setup-timezone");
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select && select.dataset.browserDefault && zone) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (known) {
      select.value = zone;
    }
  }
})();

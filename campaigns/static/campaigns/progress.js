/* The campaign page's progress bar: while the campaign sends, asks the progress endpoint
   (JSON) every 2 seconds and shows its figures; stops once nothing remains or the campaign
   stops sending. Without scripts the figures are those of the page's last load. */
(function () {
  "use strict";

  var box = document.getElementById("campaign-progress");
  if (!box || box.dataset.polling !== "true") {
    return;
  }
  var bar = document.getElementById("campaign-progress-bar");
  var every = 2000;

  function show(data) {
    box.querySelectorAll("[data-field]").forEach(function (field) {
      var value = data[field.dataset.field];
      if (value !== undefined) {
        field.textContent = value;
      }
    });
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("progress: HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        box.dataset.polling = String(data.status === "sending" && data.remaining > 0);
        if (box.dataset.polling === "true") {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () {
        // A lost answer (a restart, a dropped connection): try again, less often.
        window.setTimeout(poll, every * 5);
      });
  }

  window.setTimeout(poll, every);
})();

// Produce pages: hover previews in the media library, and the frame preview of the render form.
(function () {
  "use strict";

  // A thumbnail with data-preview-src plays its short muted clip while the pointer rests on it
  // (or while its row has the keyboard focus); the poster stays underneath and comes back after.
  function start(frame) {
    if (frame.querySelector("video")) return;
    var video = document.createElement("video");
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    video.setAttribute("aria-hidden", "true");
    video.src = frame.dataset.previewSrc;
    // No clip (it could not be made): keep the poster.
    video.addEventListener("error", function () { video.remove(); });
    frame.append(video);
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () { /* stopped before it began */ });
  }

  function stop(frame) {
    var video = frame.querySelector("video");
    if (!video) return;
    video.pause();
    video.removeAttribute("src");
    video.load();  // lets the browser drop the download
    video.remove();
  }

  document.querySelectorAll("[data-preview-src]").forEach(function (frame) {
    frame.addEventListener("pointerenter", function () { start(frame); });
    frame.addEventListener("pointerleave", function () { stop(frame); });
    var row = frame.closest("tr");
    if (!row) return;
    row.addEventListener("focusin", function () { start(frame); });
    row.addEventListener("focusout", function (event) {
      if (!row.contains(event.relatedTarget)) stop(frame);
    });
  });

  // The frame preview answers a bad form with 4xx and the message to show; htmx does not swap
  // error answers by default, so let this one through: the message belongs in the pane.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.target && detail.target.id === "preview-frame" && detail.xhr.status >= 400 && detail.xhr.responseText) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();

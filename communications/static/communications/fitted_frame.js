/* Fits each fitted frame (iframe.letter-frame, communications/admin/rendering.py html_frame)
   to its document, so staff read a letter whole on the page. The frame runs no scripts; it
   keeps the page's origin so that this script can read the document's height. */
(function () {
  "use strict";

  function fit(frame) {
    var letter = frame.contentDocument;
    // Not before the letter is in (the frame's first document is an empty about:blank).
    if (!letter || !letter.body || letter.URL !== "about:srcdoc") {
      return;
    }
    // Measured at no height, the letter's own height is all that scrolls.
    frame.style.height = "0";
    var height = Math.max(letter.documentElement.scrollHeight, letter.body.scrollHeight);
    frame.style.height = height + "px";
  }

  function fitAll() {
    document.querySelectorAll("iframe.letter-frame").forEach(fit);
  }

  document.querySelectorAll("iframe.letter-frame").forEach(function (frame) {
    frame.addEventListener("load", function () {
      fit(frame);
    });
    fit(frame);
  });
  // A narrower window wraps the letter's lines: the letter grows.
  window.addEventListener("resize", fitAll);
})();

/* "Start from template" on the compose form: choosing a template fills the subject, body
   and kind from it (asking first when something is written). Without scripts, a blank subject
   or body is filled from the template when the form is saved. */
(function () {
  "use strict";

  var source = document.getElementById("campaign-templates");
  var select = document.getElementById("id_template");
  if (!source || !select) {
    return;
  }
  var data = JSON.parse(source.textContent);

  select.addEventListener("change", function () {
    var chosen = data.templates[select.value];
    if (!chosen) {
      return;
    }
    var subject = document.getElementById("id_subject");
    var body = document.getElementById("id_body_markdown");
    var kind = document.getElementById("id_kind");
    var written = subject.value.trim() || body.value.trim();
    if (written && !window.confirm(data.confirm)) {
      return;
    }
    subject.value = chosen.subject;
    body.value = chosen.body;
    if (kind) {
      kind.value = chosen.kind;
    }
  });
})();

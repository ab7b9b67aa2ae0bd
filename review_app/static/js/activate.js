// The activation link carries its one-time token after "#", which the browser never sends to a server:
// put it into the form, take it out of the address bar, and post it (the token then travels in a POST
// body, never in a URL that a web server or proxy writes to its access log). Without JavaScript the
// expert pastes the code from the link into the same field.
(function () {
  "use strict";
  var form = document.getElementById("activation-start");
  var token = window.location.hash.replace(/^#/, "");
  if (!form || !token) {
    return;
  }
  form.elements.token.value = decodeURIComponent(token);
  window.history.replaceState(null, "", window.location.pathname);
  HTMLFormElement.prototype.submit.call(form);  // form.submit is the button of that name
})();

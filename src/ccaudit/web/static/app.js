// Progressive enhancement only: every page works without it. No inline scripts (the CSP forbids them).
// A form or button with data-confirm="question" asks before it is sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm") || (event.submitter && event.submitter.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

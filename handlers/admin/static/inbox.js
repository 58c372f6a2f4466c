// Ready answers in a live chat: the search box filters them by title and text; a click puts the answer into
// the reply box (where staff may still edit it before sending).
(function () {
  "use strict";
  var box = document.querySelector(".ready-box");
  var reply = document.getElementById("reply-text");
  if (!box || !reply) return;
  var search = box.querySelector(".ready-search");
  var answers = box.querySelectorAll(".ready-answer");
  search.addEventListener("input", function () {
    var wanted = search.value.trim().toLowerCase();
    answers.forEach(function (answer) {
      var haystack = (answer.textContent + " " + answer.getAttribute("data-text")).toLowerCase();
      answer.parentElement.hidden = wanted !== "" && haystack.indexOf(wanted) === -1;
    });
  });
  answers.forEach(function (answer) {
    answer.addEventListener("click", function () {
      var text = answer.getAttribute("data-text");
      reply.value = reply.value.trim() ? reply.value.replace(/\s*$/, "\n") + text : text;
      reply.focus();
    });
  });
})();

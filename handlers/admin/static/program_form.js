// The program form: beside each date picker, the Hijri (Umm al-Qura) date of the day picked, as staff pick it.
(function () {
  "use strict";
  document.querySelectorAll("[data-hijri-for]").forEach(function (shown) {
    var picker = document.querySelector('input[name="' + shown.getAttribute("data-hijri-for") + '"]');
    if (!picker || !window.Intl) return;
    var locale = shown.lang === "ar" ? "ar-SA-u-ca-islamic-umalqura-nu-latn" : "en-u-ca-islamic-umalqura";
    var format = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" });
    picker.addEventListener("input", function () {
      var day = picker.value ? new Date(picker.value.slice(0, 10) + "T12:00:00") : null;
      shown.textContent = day && !isNaN(day) ? format.format(day) : "";
    });
  });
})();

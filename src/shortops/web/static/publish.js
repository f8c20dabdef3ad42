// Publish pages: the composer's counters and hashtag chips, the calendar's drag to reschedule,
// the publish kit's copy buttons, and keeping polls from wiping what someone is typing.
(function () {
  "use strict";

  // --- composer -------------------------------------------------------------------------------

  // Length as the platform counts it: TikTok counts UTF-16 code units (a JavaScript string's
  // own length, so an emoji counts twice), the others characters (code points).
  function textLength(text, units) {
    return units === "utf16" ? text.length : Array.from(text).length;
  }

  function splitTags(text) {
    return text.replace(/[，、,#\n\t]/g, " ").split(" ").filter(function (tag) { return tag; });
  }

  // The caption followed by the hashtags it does not already contain (as the providers send it).
  function captionWithTags(caption, tags) {
    var present = {};
    caption.split(/\s+/).forEach(function (word) {
      if (word.charAt(0) === "#") present[word.toLowerCase()] = true;
    });
    var extra = tags.map(function (tag) { return "#" + tag; })
      .filter(function (tag) { return !present[tag.toLowerCase()]; });
    return [caption.trim(), extra.join(" ")].filter(function (part) { return part; }).join(" ");
  }

  function counter(label, used, max) {
    var span = document.createElement("span");
    span.className = "counter" + (max && used > max ? " over" : "");
    span.textContent = label + " " + used + (max ? "/" + max : "");
    return span;
  }

  function setUpComposer(form) {
    var post = {
      title: form.querySelector("[name=title]"),
      caption: form.querySelector("[name=caption]"),
      hashtags: form.querySelector("[name=hashtags]")
    };
    var chips = document.getElementById("hashtag-chips");
    var submit = document.getElementById("submit-post");

    function own(target, key) {
      var field = target.querySelector("[data-override=" + key + "]");
      return field && field.value.trim() ? field.value : null;
    }

    function refresh() {
      var postTags = splitTags(post.hashtags.value);
      if (chips) {
        chips.textContent = "";
        postTags.forEach(function (tag) {
          var chip = document.createElement("span");
          chip.className = "chip tag";
          chip.textContent = "#" + tag;
          chips.append(chip);
        });
      }
      form.querySelectorAll(".target").forEach(function (target) {
        var box = target.querySelector(".counters");
        var ticked = target.querySelector("input[name=targets]").checked;
        box.textContent = "";
        if (!ticked) return;
        var units = target.dataset.units;
        var title = own(target, "title") || post.title.value;
        var caption = own(target, "caption") || post.caption.value;
        var tagsText = own(target, "hashtags");
        var tags = tagsText === null ? postTags : splitTags(tagsText);
        var titleMax = Number(target.dataset.titleMax) || 0;
        var captionMax = Number(target.dataset.captionMax) || 0;
        var tagsMax = Number(target.dataset.hashtagsMax) || 0;
        if (titleMax) box.append(counter(form.dataset.msgTitle, textLength(title, units), titleMax));
        box.append(counter(form.dataset.msgCaption, textLength(captionWithTags(caption, tags), units), captionMax));
        if (tagsMax) box.append(counter(form.dataset.msgHashtags, tags.length, tagsMax));
      });
      var now = form.querySelector("input[name=when][value=now]");
      if (submit && now) submit.textContent = now.checked ? form.dataset.msgNow : form.dataset.msgSchedule;
    }

    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    // Typing a time means "at that time".
    var at = form.querySelector("input[name=at]");
    if (at) at.addEventListener("input", function () {
      var choice = form.querySelector("input[name=when][value=at]");
      if (choice) choice.checked = true;
    });
    refresh();
  }

  // --- calendar: drag a scheduled chip to another day ---------------------------------------

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-publication]");
    if (!chip) return;
    dragged = chip;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", chip.dataset.publication);
    chip.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".cal-day.drop").forEach(function (day) { day.classList.remove("drop"); });
  });

  document.addEventListener("dragover", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".cal-day");
    if (!day) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".cal-day.drop").forEach(function (other) {
      if (other !== day) other.classList.remove("drop");
    });
    day.classList.add("drop");
  });

  document.addEventListener("drop", function (event) {
    var day = event.target.closest && event.target.closest(".cal-day");
    var calendar = document.getElementById("calendar");
    if (!day || !calendar) return;
    event.preventDefault();
    var id = event.dataTransfer.getData("text/plain") || (dragged && dragged.dataset.publication);
    if (!id || (dragged && dragged.closest(".cal-day") === day)) return;
    if (dragged) dragged.classList.add("moving");
    var notice = document.getElementById("calendar-notice");
    if (notice) notice.textContent = calendar.dataset.msgMoving;
    htmx.ajax("POST", "/publish/publications/" + encodeURIComponent(id) + "/reschedule", {
      target: "#calendar",
      swap: "outerHTML",
      values: { date: day.dataset.date, view: calendar.dataset.view, anchor: calendar.dataset.anchor },
      headers: { "X-CSRF-Token": calendar.dataset.csrf }
    });
  });

  // --- the publish kit: copy buttons -------------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.dataset.copied || "✓";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
      if (document.execCommand("copy")) done();
    }
  });

  // --- polls leave alone what someone is working on ------------------------------------------

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (!element || element.id === "live-check") return;
    var polled = element.id === "queue-rows" || element.hasAttribute("data-poll-guard");
    if (!polled) return;
    var active = document.activeElement;
    var busy = (active && active !== document.body && element.contains(active)) ||
      element.querySelector("details[open]");
    if (busy) event.preventDefault();
  });

  function start() {
    var form = document.getElementById("composer");
    if (form) setUpComposer(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* Confetti web chat: posts what the customer does, shows the replies as bubbles.
   Plain JavaScript, no dependencies. Every text goes in through textContent, never as HTML. */
(function () {
  "use strict";

  var SPIN_MS = 800;
  var root = document.getElementById("webchat");
  if (!root) {
    return;
  }
  var log = document.getElementById("webchat-log");
  var form = document.getElementById("webchat-form");
  var input = document.getElementById("webchat-input");
  var send = form.querySelector("button[type=submit]");
  var postUrl = root.getAttribute("data-post-url");
  var errorText = root.getAttribute("data-error-text");
  var imageText = root.getAttribute("data-image-text");
  // Set where a console page hosts the chat: its posts need the session's CSRF token.
  var csrfToken = root.getAttribute("data-csrf-token");
  // Bubbles a later reply may replace, by their reply's key ("spinning…" → the result).
  var keyed = {};
  var busy = false;

  function wait(ms) {
    return new Promise(function (resolve) {
      window.setTimeout(resolve, ms);
    });
  }

  function webUrl(value) {
    if (typeof value !== "string" || !value) {
      return null;
    }
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(who) {
    var item = document.createElement("li");
    item.className = "webchat-bubble webchat-from-" + who;
    return item;
  }

  function paragraph(text) {
    var p = document.createElement("p");
    p.className = "webchat-text";
    p.textContent = text;
    return p;
  }

  function customerSays(text) {
    var item = bubble("customer");
    item.appendChild(paragraph(text));
    log.appendChild(item);
    scrollDown();
  }

  function showError() {
    var item = bubble("merchant");
    item.className += " webchat-error";
    item.appendChild(paragraph(errorText));
    log.appendChild(item);
    scrollDown();
  }

  function image(reply) {
    var src = webUrl(reply.image_url);
    if (!src) {
      return null;
    }
    var img = document.createElement("img");
    img.className = "webchat-image";
    img.alt = (reply.text || "").split("\n")[0] || imageText;
    img.addEventListener("load", scrollDown);
    img.src = src;
    return img;
  }

  function link(reply) {
    var href = reply.link && webUrl(reply.link.url);
    if (!href) {
      return null;
    }
    var a = document.createElement("a");
    a.className = "webchat-link";
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = reply.link.title;
    return a;
  }

  function options(reply) {
    if (!reply.options || !reply.options.length) {
      return null;
    }
    var group = document.createElement("div");
    group.className = "webchat-options";
    group.setAttribute("role", "group");
    reply.options.forEach(function (option) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "webchat-option";
      button.textContent = option.title;
      button.addEventListener("click", function () {
        press(option);
      });
      group.appendChild(button);
    });
    return group;
  }

  function render(reply) {
    var item = bubble("merchant");
    if (reply.key) {
      item.className += " webchat-pending";
    }
    [image(reply), reply.text ? paragraph(reply.text) : null, link(reply), options(reply)]
      .forEach(function (part) {
        if (part) {
          item.appendChild(part);
        }
      });
    return item;
  }

  function show(reply) {
    var item = render(reply);
    var old = reply.replaces ? keyed[reply.replaces] : null;
    if (old && old.parentNode === log) {
      delete keyed[reply.replaces];
      // Let the "spinning…" bubble be seen before the result takes its place.
      return wait(SPIN_MS).then(function () {
        log.replaceChild(item, old);
        remember(reply, item);
        scrollDown();
      });
    }
    log.appendChild(item);
    remember(reply, item);
    scrollDown();
    return Promise.resolve();
  }

  function remember(reply, item) {
    if (reply.key) {
      keyed[reply.key] = item;
    }
  }

  function showAll(replies) {
    return replies.reduce(function (shown, reply) {
      return shown.then(function () {
        return show(reply);
      });
    }, Promise.resolve());
  }

  function setBusy(value) {
    busy = value;
    send.disabled = value;
    root.setAttribute("aria-busy", value ? "true" : "false");
  }

  function post(message) {
    setBusy(true);
    return fetch(postUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign(
        { "Content-Type": "application/json", Accept: "application/json" },
        csrfToken ? { "X-CSRF-Token": csrfToken } : {}
      ),
      body: JSON.stringify(message),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (body) {
        return showAll(body.replies || []);
      })
      .catch(showError)
      .then(function () {
        setBusy(false);
      });
  }

  function press(option) {
    if (busy) {
      return;
    }
    customerSays(option.title);
    post({ kind: "button", option: option.id });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) {
      return;
    }
    input.value = "";
    customerSays(text);
    post({ kind: "text", text: text });
  });

  post({ kind: "start", text: root.getAttribute("data-start") || "" });
})();

// Share pages: the play forms post in the background and the wheel, board or envelope is
// animated onto the result the server chose before the result is shown; the ticker polls the
// winners; flash-sale countdowns run from the seconds the server sent (not the phone's clock).
// Without scripts every form still posts and the page shows its result.
(function () {
  "use strict";

  const TICKER_SECONDS = 5;

  function spinWheel(result) {
    const wheel = document.getElementById("wheel");
    const face = wheel.querySelector(".wheel-face");
    const prizes = wheel.dataset.prizes.split(" ");
    const index = prizes.indexOf(result.dataset.prize);
    if (index < 0) return Promise.resolve();
    const step = 360 / prizes.length;
    const current = parseFloat(wheel.dataset.turn || "0");
    // Whole turns forward, then back by the slice's middle so it stops under the pointer.
    const base = Math.ceil(current / 360) * 360 + 5 * 360;
    const turn = base - (index + 0.5) * step;
    wheel.dataset.turn = String(turn);
    face.style.setProperty("--turn", turn + "deg");
    return new Promise((resolve) => {
      face.addEventListener("transitionend", resolve, { once: true });
      setTimeout(resolve, 5000);
    });
  }

  function runBoard(result) {
    const cells = Array.from(document.querySelectorAll(".board-cell"));
    const stop = parseInt(result.dataset.cell, 10);
    if (!cells.length || Number.isNaN(stop)) return Promise.resolve();
    cells.forEach((cell) => cell.classList.remove("stopped"));
    const steps = 2 * cells.length + stop + 1;
    return new Promise((resolve) => {
      let step = 0;
      function next() {
        cells.forEach((cell) => cell.classList.remove("lit"));
        const cell = cells[step % cells.length];
        cell.classList.add("lit");
        step += 1;
        if (step >= steps) {
          cell.classList.add("stopped");
          resolve();
          return;
        }
        // The light slows down over the last lap.
        const remaining = steps - step;
        setTimeout(next, remaining < cells.length ? 60 + (cells.length - remaining) * 45 : 60);
      }
      next();
    });
  }

  function openEnvelope() {
    const art = document.getElementById("envelope-art");
    if (!art) return Promise.resolve();
    art.classList.add("envelope-open");
    return new Promise((resolve) => setTimeout(resolve, 800));
  }

  const ANIMATIONS = {
    wheel: spinWheel,
    board: runBoard,
    envelope: openEnvelope,
    none: () => Promise.resolve(),
  };

  function refreshFrom(page) {
    for (const fresh of page.querySelectorAll("[data-refresh]")) {
      const current = document.getElementById(fresh.id);
      if (current) current.replaceWith(fresh);
    }
    bindCopyButtons();
    document.getElementById("result").scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  async function play(form, event) {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const result = page.getElementById("result");
      if (result && result.dataset.played !== undefined) {
        await ANIMATIONS[form.dataset.animate](result);
      }
      refreshFrom(page);
    } catch (error) {
      form.submit();
    } finally {
      button.disabled = false;
    }
  }

  function pollTicker() {
    if (!document.getElementById("ticker")) return;
    setInterval(async () => {
      // Looked up each time: a try's refresh replaces the list.
      const ticker = document.getElementById("ticker");
      if (document.hidden || !ticker) return;
      try {
        const response = await fetch(ticker.dataset.poll, { credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const list = fresh.getElementById("ticker");
        if (list) ticker.innerHTML = list.innerHTML;
      } catch (error) {
        // Offline for a moment: the next poll tries again.
      }
    }, TICKER_SECONDS * 1000);
  }

  function clock(seconds) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(seconds / 3600)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
  }

  function runCountdowns() {
    const started = performance.now();
    const countdowns = Array.from(document.querySelectorAll("[data-countdown]"));
    if (!countdowns.length) return;
    const timer = setInterval(() => {
      const elapsed = Math.floor((performance.now() - started) / 1000);
      let running = 0;
      for (const countdown of countdowns) {
        const left = Math.max(0, parseInt(countdown.dataset.countdown, 10) - elapsed);
        countdown.querySelector(".countdown-clock").textContent = clock(left);
        if (left === 0) {
          const button = countdown.closest("form").querySelector("button[type=submit]");
          button.disabled = false;
          countdown.hidden = true;
        } else {
          running += 1;
        }
      }
      if (!running) clearInterval(timer);
    }, 1000);
  }

  function bindCopyButtons() {
    for (const button of document.querySelectorAll("[data-copy]")) {
      button.onclick = async () => {
        const input = document.getElementById(button.dataset.copy);
        input.select();
        try {
          await navigator.clipboard.writeText(input.value);
          button.textContent = button.dataset.copied;
        } catch (error) {
          // The link stays selected for the visitor to copy.
        }
      };
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    // Delegated: a refreshed section brings its own form.
    document.addEventListener("submit", (event) => {
      if (event.target.matches("form.play-form")) play(event.target, event);
    });
    pollTicker();
    runCountdowns();
    bindCopyButtons();
  });
})();

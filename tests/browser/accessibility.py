"""A small accessibility check of our own, run on every page the browser tests open: the page
says its language, every form control has a label, every image has alt text, every button and
link has a name, and headings start at h1."""

CHECK = """() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 120);
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  if (!document.title.trim()) problems.push("the page has no <title>");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button"].includes(el.type)) continue;
    const labelled = el.labels && el.labels.length
      || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push("unlabelled control: " + describe(el));
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt: " + describe(img));
  }
  for (const el of document.querySelectorAll("button, a[href], [role=button]")) {
    // textContent too: a control in a closed menu has no rendered text, but has its name.
    const name = (el.innerText || el.textContent || "").trim() || el.getAttribute("aria-label")
      || el.getAttribute("title") || (el.querySelector("img[alt]") || {}).alt;
    if (!name) problems.push("control without a name: " + describe(el));
  }
  for (const svg of document.querySelectorAll("svg")) {
    const hidden = svg.closest("[aria-hidden=true]");
    const named = svg.getAttribute("aria-label") || svg.querySelector("title")
      || svg.getAttribute("role") === "presentation";
    if (!hidden && !named) problems.push("svg without a name or aria-hidden: " + describe(svg));
  }
  const first = document.querySelector("h1, h2, h3, h4, h5, h6");
  if (first && first.tagName !== "H1") problems.push("the first heading is " + first.tagName);
  return problems;
}"""


async def accessibility_problems(page) -> list[str]:
    return await page.evaluate(CHECK)

// The search page: runs the query given in the address (?q=), the "also search in" checkboxes
// (?also=en), and draws each result. Pagefind's Component UI (loaded just before) does the rest.

import { searchLanguages } from "./pagefind.js";

const settings = JSON.parse(document.getElementById("search-settings").textContent);
const ui = document.querySelector("[data-search-ui]");
const alsoBoxes = [...document.querySelectorAll("[data-search-also]")];
const instance = window.PagefindComponents?.getInstanceManager().getInstance("default");

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text, lang) {
  const a = element("a", "", text);
  a.href = href;
  if (lang) {
    a.hreflang = lang;
    a.lang = lang;
  }
  return a;
}

/** One result, in the result's language; the words around it are in the page's language. */
function renderResult(result) {
  const item = element("li", "search-result");
  item.lang = result.lang;
  const card = element("article", "card");
  const language = element("p", "search-result__lang", settings.languageNames[result.lang]);
  language.lang = settings.lang;
  const title = element("h2", "card__title");
  title.append(link(result.url, result.meta.title));
  card.append(language, title);
  if (result.meta.date) {
    const when = element("time", "", result.meta.date);
    if (result.meta.datetime) when.dateTime = result.meta.datetime;
    const meta = element("p", "card__meta");
    meta.append(when);
    card.append(meta);
  }
  if (result.meta.image) {
    const image = element("img", "search-result__image");
    image.src = result.meta.image;
    image.alt = result.meta.image_alt ?? "";
    image.loading = "lazy";
    card.append(image);
  }
  const excerpt = element("p", "card__summary");
  excerpt.innerHTML = result.excerpt; // Pagefind escapes the text and adds <mark> around matches
  card.append(excerpt);
  const sections = instance.getDisplaySubResults(result, 3);
  if (sections.length) {
    const list = element("ul", "search-result__sections");
    for (const section of sections) {
      const entry = element("li");
      entry.append(link(section.url, section.title));
      list.append(entry);
    }
    card.append(list);
  }
  for (const [lang, keys] of Object.entries(settings.translations)) {
    const href = result.filters?.[keys.url]?.[0];
    if (lang === result.lang || !href) continue;
    const line = element("p", "search-result__translation", `${settings.versionLabels[lang]} `);
    line.lang = settings.lang;
    line.append(link(href, result.filters[keys.title]?.[0] ?? href, lang));
    card.append(line);
  }
  item.append(card);
  return item;
}

function chosenLanguages() {
  return [settings.lang, ...alsoBoxes.filter((box) => box.checked).map((box) => box.value)];
}

/** Keep the address in step with the search, so it can be shared, bookmarked or returned to. */
function rememberSearch(term) {
  const params = new URLSearchParams();
  if (term) params.set("q", term);
  for (const box of alsoBoxes) if (box.checked) params.append("also", box.value);
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

/**
 * Pagefind's filter menus open from a <button role="combobox">, whose visible text does not name it
 * for assistive technology (axe: button-name): give each trigger its filter's label as its name.
 */
function nameFilterTriggers() {
  for (const dropdown of ui.querySelectorAll("pagefind-filter-dropdown")) {
    const trigger = dropdown.querySelector(".pf-dropdown-trigger");
    if (trigger && !trigger.hasAttribute("aria-label")) trigger.setAttribute("aria-label", dropdown.getAttribute("label"));
  }
}

/** Wire the page to Pagefind's UI and run the query from the address. */
function start() {
  const given = new URLSearchParams(location.search);
  for (const box of alsoBoxes) {
    box.checked = given.getAll("also").includes(box.value);
    box.addEventListener("change", () => {
      searchLanguages(chosenLanguages());
      rememberSearch(instance.searchTerm);
      if (instance.searchTerm) instance.triggerSearch(instance.searchTerm);
    });
  }
  searchLanguages(chosenLanguages());
  document.querySelector("pagefind-results").resultTemplate = renderResult;
  instance.on("search", (term) => rememberSearch(term));
  new MutationObserver(nameFilterTriggers).observe(ui, { childList: true, subtree: true });
  nameFilterTriggers();
  ui.hidden = false;

  const term = (given.get("q") ?? "").trim();
  if (term) instance.triggerSearch(term);
}

if (instance) {
  start();
} else {
  // Pagefind's UI ships with the index: a site built with --no-search has neither.
  document.querySelector("[data-search-unavailable]").hidden = false;
  console.error("Pagefind's Component UI did not load: was the site built with --no-search?");
}

// The search page: its form, its results by pages, and the address that holds every choice
// (?q=&also=en&tag=&year=&sort=date&page=2), restored on reload, on Back (with the scroll
// position) and from a shared link. The index is searched through ./pagefind.js.

import { find, normalize, warmUp, wordsOf } from "./pagefind.js";

const settings = JSON.parse(document.getElementById("search-settings").textContent);
const strings = settings.strings;
const $ = (selector) => document.querySelector(selector);
const ui = $("[data-search-ui]");
const form = $("[data-search-form]");
const box = $("#search-q");
const alsoBoxes = [...document.querySelectorAll("[data-search-also]")];
const tagSelect = $("[data-search-tag]");
const yearSelect = $("[data-search-year]");
const sortSelect = $("[data-search-sort]");
const status = $("[data-search-status]");
const topicLine = $("[data-search-topic]");
const none = $("[data-search-none]");
const list = $("[data-search-results]");
const pages = $("[data-search-pages]");
const plural = new Intl.PluralRules(settings.lang);
const TYPING_PAUSE = 120; // ms after the last key before searching
const EXCERPT_WORDS = 30;
const SLOW_SEARCH = 400; // ms without an answer before the status line says the search is under way

function say(key, values = {}) {
  return strings[key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

function counted(prefix, n, values = {}) {
  const form_ = plural.select(n) === "one" ? "one" : "other";
  return say(`${prefix}_${form_}`, { n: n.toLocaleString(settings.lang), ...values });
}

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

// ---- The query, as the address holds it ----

function topicBySlug(slug) {
  return settings.topics.find((topic) => topic.slugs[settings.lang] === slug);
}

function readAddress() {
  const given = new URLSearchParams(location.search);
  const page = Number.parseInt(given.get("page") ?? "1", 10);
  return {
    term: (given.get("q") ?? "").trim(),
    also: given.getAll("also").filter((code) => alsoBoxes.some((b) => b.value === code)),
    tag: topicBySlug(given.get("tag") ?? "") ? given.get("tag") : "",
    year: settings.years.some((y) => y.year === given.get("year")) ? given.get("year") : "",
    sort: given.get("sort") === "date" ? "date" : "",
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function address(state, overrides = {}) {
  const s = { ...state, ...overrides };
  const params = new URLSearchParams();
  if (s.term) params.set("q", s.term);
  for (const code of s.also) params.append("also", code);
  if (s.tag) params.set("tag", s.tag);
  if (s.year) params.set("year", s.year);
  if (s.sort) params.set("sort", s.sort);
  if (s.page > 1) params.set("page", String(s.page));
  const query = params.toString();
  return query ? `?${query}` : location.pathname;
}

function showInForm(state) {
  if (box.value.trim() !== state.term) box.value = state.term;
  for (const b of alsoBoxes) b.checked = state.also.includes(b.value);
  tagSelect.value = state.tag;
  yearSelect.value = state.year;
  sortSelect.value = state.sort;
}

function readForm(page = 1) {
  return {
    term: box.value.trim(),
    also: alsoBoxes.filter((b) => b.checked).map((b) => b.value),
    tag: tagSelect.value,
    year: yearSelect.value,
    sort: sortSelect.value,
    page,
  };
}

/** The language switch leads to the same search in the other language (its topic's slug there). */
function carryToOtherLanguages(state) {
  for (const a of document.querySelectorAll(".lang-switch a[hreflang]")) {
    const lang = a.hreflang;
    if (lang === settings.lang || !(lang in settings.bundles)) continue;
    const target = new URL(a.href, location.href);
    const params = new URLSearchParams();
    if (state.term) params.set("q", state.term);
    for (const code of [settings.lang, ...state.also]) if (code !== lang) params.append("also", code);
    const slug = topicBySlug(state.tag)?.slugs[lang];
    if (slug) params.set("tag", slug);
    if (state.year) params.set("year", state.year);
    if (state.sort) params.set("sort", state.sort);
    target.search = params.toString();
    a.href = target.pathname + target.search;
  }
}

// ---- One result ----

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text of the index as the page wrote it: Pagefind is given each ’ as ' (output/pagefind.py). */
function asWritten(text) {
  return (text ?? "").replace(/'/g, "\u2019");
}

/** Where the article's own text is among the indexed words: [start, end). */
function textSpan(data, words) {
  const start = Number.parseInt(data.meta.lead_words ?? "0", 10) || 0;
  const end = Math.max(start, words.length - (Number.parseInt(data.meta.tail_words ?? "0", 10) || 0));
  return [start, end];
}

/**
 * An excerpt of the article's own text (after the headline, standfirst and byline, before the topic
 * labels: `lead_words`, `tail_words`), around where the query's words are densest, marked.
 */
function excerpt(data, indexed) {
  const words = indexed.map(asWritten);
  const [start, end] = textSpan(data, words);
  const hits = [...new Set(data.locations)].filter((at) => at >= start && at < end).sort((a, b) => a - b);
  let from = start;
  let best = -1;
  for (let i = 0; i < hits.length; i += 1) {
    let j = i;
    while (j + 1 < hits.length && hits[j + 1] < hits[i] + EXCERPT_WORDS) j += 1;
    if (j - i > best) {
      best = j - i;
      from = Math.max(start, Math.min(hits[i] - 5, end - EXCERPT_WORDS));
    }
  }
  const to = Math.min(end, from + EXCERPT_WORDS);
  const marked = new Set(hits);
  const html = words.slice(from, to).map((word, k) => (marked.has(from + k) ? `<mark>${escapeHtml(word)}</mark>` : escapeHtml(word)));
  return `${from > start ? "… " : ""}${html.join(" ")}${to < end ? " …" : ""}`;
}

/** The sections where the query matched in the text (not only in the topic labels that follow it). */
function sectionsOf(data, words) {
  const [start, end] = textSpan(data, words);
  return (data.sub_results ?? [])
    .filter((sub) => sub.url.includes("#") && sub.title && sub.title !== data.meta.title
      && (sub.locations ?? []).some((at) => at >= start && at < end))
    .slice(0, 3);
}

function renderResult(data) {
  const item = element("li", "search-result");
  item.lang = data.lang;
  const card = element("article", "card");
  const language = element("p", "search-result__lang", settings.languageNames[data.lang]);
  language.lang = settings.lang;
  const title = element("h2", "card__title");
  title.append(link(data.url, data.meta.title));
  card.append(language, title);
  const date = data.lang === settings.lang ? data.meta.date : data.meta[`date_${settings.lang}`] ?? data.meta.date;
  if (date) {
    const when = element("time", "", date);
    if (data.meta.datetime) when.dateTime = data.meta.datetime;
    const meta = element("p", "card__meta");
    meta.lang = settings.lang;
    meta.append(when);
    card.append(meta);
  }
  if (data.meta.image) {
    const image = element("img", "search-result__image");
    image.src = data.meta.image;
    image.alt = data.meta.image_alt ?? "";
    image.loading = "lazy";
    card.append(image);
  }
  const text = element("p", "card__summary");
  const words = wordsOf(data.content);
  text.innerHTML = excerpt(data, words); // escaped above, <mark> around the matched words
  card.append(text);
  const sections = sectionsOf(data, words);
  if (sections.length) {
    const entries = element("ul", "search-result__sections");
    entries.setAttribute("aria-label", strings.search_sections);
    for (const section of sections) {
      const entry = element("li");
      entry.append(link(section.url, asWritten(section.title)));
      entries.append(entry);
    }
    card.append(entries);
  }
  for (const [lang, keys] of Object.entries(settings.translations)) {
    const href = data.filters?.[keys.url]?.[0];
    if (lang === data.lang || !href) continue;
    const line = element("p", "search-result__translation", `${settings.versionLabels[lang]} `);
    line.lang = settings.lang;
    line.append(link(href, data.filters[keys.title]?.[0] ?? href, lang));
    card.append(line);
  }
  item.append(card);
  return item;
}

// ---- The page around the results ----

function topicNamed(term) {
  const wanted = normalize(term);
  return wanted ? settings.topics.find((topic) => topic.labels.some((label) => normalize(label) === wanted)) : undefined;
}

function showTopic(term) {
  const topic = topicNamed(term);
  topicLine.replaceChildren();
  topicLine.hidden = !topic;
  if (topic) topicLine.append(link(topic.href, say("search_topic_suggestion", { label: topic.label, count: topic.countText })));
  return topic;
}

function pageLink(state, n, text, current) {
  const a = link(address(state, { page: n }), text);
  a.dataset.page = String(n);
  if (current) a.setAttribute("aria-current", "page");
  return a;
}

/** Numbered pages around the current one, the first and the last, previous and next. */
function showPages(state, total) {
  const count = Math.ceil(total / settings.pageSize);
  pages.replaceChildren();
  pages.hidden = count <= 1;
  if (count <= 1) return;
  const row = element("ul");
  const add = (node) => {
    const li = element("li");
    li.append(node);
    row.append(li);
  };
  if (state.page > 1) add(pageLink(state, state.page - 1, strings.search_previous));
  let last = 0;
  for (let n = 1; n <= count; n += 1) {
    if (n !== 1 && n !== count && Math.abs(n - state.page) > 2) continue;
    if (n - last > 1) add(element("span", "search-pages__gap", "…"));
    const a = pageLink(state, n, String(n), n === state.page);
    a.setAttribute("aria-label", say("search_page_n", { n }));
    add(a);
    last = n;
  }
  if (state.page < count) add(pageLink(state, state.page + 1, strings.search_next));
  pages.append(row);
}

function showNone(state, shown) {
  none.hidden = !shown;
  for (const button of none.querySelectorAll("[data-search-also-suggestion]")) {
    button.parentElement.hidden = state.also.includes(button.dataset.searchAlsoSuggestion);
  }
}

let current = null; // the state shown (or being searched)
let searches = 0;

async function run(state, { scrollTo = null } = {}) {
  current = state;
  carryToOtherLanguages(state);
  const number = (searches += 1);
  const listing = !state.term && (state.tag || state.year);
  showTopic(state.term);
  if (!state.term && !listing) {
    list.setAttribute("aria-busy", "false");
    status.textContent = "";
    list.replaceChildren();
    showPages(state, 0);
    showNone(state, false);
    return;
  }
  const topic = topicBySlug(state.tag);
  list.setAttribute("aria-busy", "true");
  // Said only when the index takes a while to answer (its first load), not at every keystroke.
  const slow = setTimeout(() => number === searches && (status.textContent = strings.search_loading), SLOW_SEARCH);
  let found;
  try {
    found = await find({
      term: state.term, languages: [settings.lang, ...state.also], tag: topic?.label ?? "",
      year: state.year, sort: state.sort, page: state.page,
    });
  } catch (error) {
    if (number === searches) status.textContent = strings.search_failed;
    throw error;
  } finally {
    clearTimeout(slow);
  }
  if (number !== searches) return; // a later search has begun
  const pageCount = Math.ceil(found.total / settings.pageSize);
  if (found.results.length === 0 && state.page > pageCount && pageCount > 0) {
    // An address past the last page (an old link, a shorter list now): its last page instead.
    const last = { ...state, page: pageCount };
    history.replaceState(history.state, "", address(last));
    return run(last, { scrollTo });
  }
  list.setAttribute("aria-busy", "false");
  const q = state.term;
  status.textContent = found.total === 0 && state.term
    ? say("search_none", { q })
    : state.term ? counted("search_count", found.total, { q }) : counted("search_listing", found.total);
  list.replaceChildren(...found.results.map(renderResult));
  showPages(state, found.total);
  showNone(state, found.total === 0);
  if (scrollTo !== null) window.scrollTo(0, scrollTo);
}

// ---- Events ----

function remember(state, push) {
  const url = address(state);
  if (push) history.pushState({ scrollY: 0 }, "", url);
  else history.replaceState({ ...(history.state ?? {}), scrollY: window.scrollY }, "", url);
}

let typing = null;
function onType() {
  clearTimeout(typing);
  typing = setTimeout(() => {
    const state = readForm();
    if (state.term === current?.term) return;
    remember(state, false);
    run(state);
  }, TYPING_PAUSE);
}

function onChoice() {
  const state = readForm();
  remember(state, true);
  run(state);
}

function onPage(event) {
  const a = event.target.closest("a[data-page]");
  if (!a || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  const state = { ...current, page: Number(a.dataset.page) };
  remember(current, false); // where the reader was, for Back
  history.pushState({ scrollY: 0 }, "", address(state));
  run(state).then(() => {
    status.scrollIntoView({ block: "start" });
    list.querySelector("a")?.focus({ preventScroll: true });
  });
}

let saving = null;
function saveScroll() {
  clearTimeout(saving);
  history.replaceState({ ...(history.state ?? {}), scrollY: window.scrollY }, "", location.href);
}

function onScroll() {
  clearTimeout(saving);
  saving = setTimeout(saveScroll, 150);
}

function start() {
  history.scrollRestoration = "manual"; // results arrive after the page: the scroll is restored then
  ui.hidden = false;
  box.addEventListener("input", onType);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    const state = readForm();
    remember(state, state.term !== current?.term);
    run(state);
  });
  $("[data-search-clear]").addEventListener("click", () => {
    box.value = "";
    box.focus();
    onChoice();
  });
  for (const control of [...alsoBoxes, tagSelect, yearSelect, sortSelect]) control.addEventListener("change", onChoice);
  for (const button of none.querySelectorAll("[data-search-also-suggestion]")) {
    button.addEventListener("click", () => {
      alsoBoxes.find((b) => b.value === button.dataset.searchAlsoSuggestion).checked = true;
      onChoice();
    });
  }
  pages.addEventListener("click", onPage);
  window.addEventListener("scroll", onScroll, { passive: true });
  window.addEventListener("pagehide", saveScroll);
  list.addEventListener("click", saveScroll, { capture: true }); // before leaving for a result
  window.addEventListener("popstate", (event) => {
    const state = readAddress();
    showInForm(state);
    run(state, { scrollTo: event.state?.scrollY ?? 0 });
  });
  const state = readAddress();
  showInForm(state);
  if (state.term || state.tag || state.year) run(state, { scrollTo: history.state?.scrollY ?? null }).catch(unavailable);
  // Loading the index ahead of the first word; a reader who types before it is loaded has begun a
  // search of their own, which this empty one must not replace.
  else warmUp([settings.lang, ...state.also]).then(() => current === null && run(state)).catch(unavailable);
}

function unavailable(error) {
  // Pagefind's bundle ships with the index: a site built with --no-search has neither.
  ui.hidden = true;
  $("[data-search-unavailable]").hidden = false;
  console.error("The search index did not load: was the site built with --no-search?", error);
}

start();

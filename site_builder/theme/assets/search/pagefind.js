// What the search page asks of the search index: one call, `find(query)`, over Pagefind's JS API.
//
// - Each language has its own Pagefind bundle (/pagefind/<lang>/), searched with its own stemming
//   (Pagefind's mergeIndex would use the page language's stemmer for both).
// - No junk matches. When a query word is in no index word, Pagefind falls back, without a limit,
//   to the longest indexed word the query word starts with ("a", "de" for "defence": upstream
//   issues #599 and #780), and every page holding that word is a result. Such a fallback is the
//   same for every result of a word, so the first results tell: unless one of them holds a word
//   the query word starts, or shares all but its last letters with (a form of it: "soldiers" and
//   "soldier", "chevaux" and "cheval"), the word matched nothing and neither does the query.
//   Prefix search as one types ("Ukra" finds Ukraine) is untouched.
// - Relevance (Pagefind's score) or newest first (the `date` sort key); with both languages, one
//   ranking across both, and each story once (the `story` filter is shared by an article and its
//   translations), in the page's language when that version matched too.
// - Results come by pages; only the results up to the page asked for have their data loaded.
// - In the preview (`serve`), the pages edited since the full index come from a small extra bundle
//   merged into each language's (Pagefind's mergeIndex), and their stale copies in the full index
//   are dropped (preview/search_delta.py).
// Its settings come from the page (#search-settings), written by render/search.py.

const settings = JSON.parse(document.getElementById("search-settings").textContent);
const bundles = new Map(); // language -> Promise of a Pagefind instance over its bundle
const PROBED = 3; // first results whose words are checked against the query's
const AHEAD = 10; // results whose data is fetched ahead of need

let edits = null; // Promise of the preview's manifest of pages edited since the full index
function editsSince() {
  const manifest = window.siteBuilderSearchDelta; // set by the preview only
  edits ??= manifest ? fetch(manifest).then((r) => (r.ok ? r.json() : {})).catch(() => ({})) : Promise.resolve({});
  return edits;
}

/** Pages of `lang` whose copy in the full index is stale (in the preview, after an edit). */
async function staleIn(lang) {
  return new Set((await editsSince())[lang]?.stale ?? []);
}

function bundle(lang) {
  if (!bundles.has(lang)) {
    const loading = import(`${settings.bundles[lang]}pagefind.js`).then(async (pagefind) => {
      const instance = pagefind.createInstance({ baseUrl: settings.baseUrl });
      // Of the metadata, only the title counts: a date or a word count is not what was looked for.
      await instance.options({ ranking: { metaWeights: settings.unrankedMeta } });
      const edited = (await editsSince())[lang]?.bundle;
      if (edited) await instance.mergeIndex(edited, { ranking: { metaWeights: settings.unrankedMeta } });
      return instance;
    });
    loading.catch(() => bundles.delete(lang));
    bundles.set(lang, loading);
  }
  return bundles.get(lang);
}

/** Start loading the languages' indexes (Pagefind and its metadata) before the first word is typed. */
export function warmUp(languages) {
  return Promise.all(languages.map((lang) => bundle(lang)));
}

/** A word as compared here: lower case, no accents, letters and digits only. */
export function normalize(word) {
  return word.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

function commonPrefix(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
  return n;
}

/** Whether an indexed word `found` is a match for the query word `wanted` (both normalized). */
export function matches(wanted, found) {
  if (found.startsWith(wanted)) return true;
  const shared = commonPrefix(wanted, found);
  return shared >= wanted.length - 3 && shared >= Math.min(4, wanted.length - 1);
}

export function queryWords(term) {
  return term.split(/\s+/).map(normalize).filter(Boolean);
}

/** The text's words, as Pagefind counts them in its `locations`. */
export function wordsOf(content) {
  return content.split(/[\r\n\s]+/g);
}

/** The forms of a word of the text that a query word may match: itself, and its parts ("Royaume-Uni", "l'Ukraine"). */
function forms(word) {
  return [normalize(word), ...word.split(/[^\p{L}\p{N}]+/u).map(normalize)].filter(Boolean);
}

function holdsEvery(words, data) {
  const content = wordsOf(data.content);
  const found = data.locations.flatMap((at) => forms(content[at] ?? ""));
  return words.every((wanted) => found.some((word) => matches(wanted, word)));
}

/** A result whose data is fetched once, when first asked for; `stale`: it is an edited page's old copy. */
function entry(lang, result, staleUrls) {
  let data = null;
  const mark = (value) => ({ ...value, lang, stale: staleUrls.has(value.url) && !value.meta?.fresh });
  return { lang, score: result.score, data: () => (data ??= result.data().then(mark)) };
}

/** Pagefind's results for `query` in one language, or none when they are only its fallback's. */
async function searchIn(lang, query, filters) {
  const pagefind = await bundle(lang);
  const stale = await staleIn(lang);
  const term = query.term || null;
  const options = { filters };
  if (query.sort === "date" || term === null) options.sort = { [settings.sort]: "desc" };
  const response = await pagefind.search(term, options);
  const entries = response.results.map((result) => entry(lang, result, stale));
  const words = term && !/^\s*".+"\s*$/.test(term) ? queryWords(term) : [];
  if (words.length && entries.length) {
    const probed = await Promise.all(entries.slice(0, PROBED).map((e) => e.data()));
    if (!probed.some((data) => !data.stale && holdsEvery(words, data))) return { lang, entries: [], stories: new Set() };
  }
  const counts = response.filters?.[settings.storyFilter] ?? {};
  const stories = new Set(Object.entries(counts).filter(([, n]) => n > 0).map(([key]) => key));
  return { lang, entries, stories };
}

function filtersOf(query, withStories) {
  const filters = {};
  if (query.tag) filters[settings.tagFilter] = [query.tag];
  if (query.year) filters[settings.yearFilter] = [query.year];
  if (withStories) filters[settings.storyFilter] = [];
  return filters;
}

function publishedAt(data) {
  const time = Date.parse(data.meta?.datetime ?? "");
  return Number.isNaN(time) ? -Infinity : time;
}

/** The results of every language as one list, best (or newest) first, fetching data ahead of need. */
async function* merged(lists, byDate) {
  const cursors = lists.map(({ entries }) => ({ entries, next: 0 }));
  for (;;) {
    const live = cursors.filter((c) => c.next < c.entries.length);
    if (live.length === 0) return;
    // Fetched ahead, not awaited here: a fetch that fails (the reader has left the page) must not
    // become an unhandled rejection; whoever awaits that result later still sees its error.
    for (const c of live) c.entries.slice(c.next, c.next + AHEAD).forEach((e) => e.data().catch(() => {}));
    let best = live[0];
    if (live.length > 1) {
      const heads = await Promise.all(live.map((c) => c.entries[c.next].data()));
      const rank = (i) => (byDate ? publishedAt(heads[i]) : live[i].entries[live[i].next].score);
      // Ties keep list order: the page's own language first.
      best = live.reduce((a, c, i) => (rank(i) > rank(live.indexOf(a)) ? c : a), live[0]);
    }
    const chosen = best.entries[best.next];
    best.next += 1;
    yield await chosen.data();
  }
}

function storyOf(data) {
  return data.filters?.[settings.storyFilter]?.[0] ?? data.url;
}

/** The page language's version of `story`, when it matched too. */
async function ownVersion(query, story, filters) {
  const pagefind = await bundle(settings.lang);
  const options = { filters: { ...filters, [settings.storyFilter]: [story] } };
  const response = await pagefind.search(query.term || null, options);
  const stale = await staleIn(settings.lang);
  for (const result of response.results) {
    const data = { ...(await result.data()), lang: settings.lang };
    if (!stale.has(data.url) || data.meta?.fresh) return data;
  }
  return null;
}

/**
 * Search `query` ({term, languages, tag, year, sort, page}); `tag` is the topic's label in the page's
 * language. Returns {total, results} where results are the data of the page's results.
 */
export async function find(query) {
  const languages = query.languages.filter((code) => code in settings.bundles);
  const edited = Object.keys(await editsSince()).length > 0;
  const several = languages.length > 1 || edited; // (an edited page is in two indexes: count stories)
  const filters = filtersOf(query, several);
  const lists = await Promise.all(languages.map((lang) => searchIn(lang, query, filters)));
  const total = several
    ? new Set(lists.flatMap((list) => [...list.stories])).size
    : lists.reduce((n, list) => n + list.entries.length, 0);
  const size = settings.pageSize;
  const first = (query.page - 1) * size;
  const seen = new Set();
  const shown = [];
  let exhausted = true;
  for await (const data of merged(lists, query.sort === "date" || !query.term)) {
    if (data.stale) continue;
    const story = storyOf(data);
    if (seen.has(story)) continue;
    seen.add(story);
    if (seen.size > first) shown.push(data);
    if (shown.length === size) {
      exhausted = false;
      break;
    }
  }
  const own = lists.find((list) => list.lang === settings.lang);
  const results = await Promise.all(shown.map(async (data) => {
    if (data.lang === settings.lang || !own?.stories.has(storyOf(data))) return data;
    return (await ownVersion(query, storyOf(data), filtersOf(query, false))) ?? data;
  }));
  // Every result seen: the count is exact (a stale copy that alone matched is not counted).
  return { total: exhausted ? seen.size : Math.max(total, seen.size), results };
}

// A Pagefind-compatible search module for the search page.
//
// Pagefind's Component UI imports `<bundle-path>pagefind.js` and calls `createInstance()`; the
// search page points `bundle-path` at this folder. Behind the same interface (`search`,
// `filters`), this module
// - searches each language's own Pagefind bundle (/pagefind/<lang>/), so every language is
//   searched with its own stemming (Pagefind's mergeIndex would use the page language's stemmer);
// - lists results newest first (the `date` sort key), merging languages newest first too;
// - asks only for the counts of the filters the page shows, so the per-article translation
//   filters are never downloaded in bulk;
// - adds to each result's data the language it was found in (`lang`).
// Its settings come from the page (#search-settings), written by site_builder/views.py.

const settings = JSON.parse(document.getElementById("search-settings").textContent);
const bundles = new Map(); // language -> Promise of a Pagefind instance over its bundle
let searched = [settings.lang];
let instanceOptions = {};

/** Search these languages from now on (the page's own language first). */
export function searchLanguages(codes) {
  searched = codes.filter((code) => code in settings.bundles);
}

function bundle(lang) {
  if (!bundles.has(lang)) {
    // A bundle holds one language, so Pagefind loads it (and its stemmer) whatever the page's lang.
    const loading = import(`${settings.bundles[lang]}pagefind.js`).then((pagefind) =>
      pagefind.createInstance({ ...instanceOptions, baseUrl: settings.baseUrl }));
    bundles.set(lang, loading);
  }
  return bundles.get(lang);
}

/** Every filter the page shows, with the reader's selection (an empty list selects nothing). */
function facets(selected = {}) {
  return Object.fromEntries(settings.facets.map((key) => [key, selected[key] ?? []]));
}

function addCounts(countsList) {
  const total = {};
  for (const counts of countsList) {
    for (const [key, values] of Object.entries(counts ?? {})) {
      total[key] ??= {};
      for (const [value, n] of Object.entries(values)) total[key][value] = (total[key][value] ?? 0) + n;
    }
  }
  return total;
}

async function searchEach(term, filters) {
  const languages = [...searched];
  const options = { filters: facets(filters), sort: { [settings.sort]: "desc" } };
  const responses = await Promise.all(languages.map(async (lang) => (await bundle(lang)).search(term, options)));
  return languages.map((lang, i) => ({ lang, response: responses[i] }));
}

async function dataOf(result, lang) {
  return { ...(await result.data()), lang };
}

function publishedAt(data) {
  const time = Date.parse(data.meta?.datetime ?? "");
  return Number.isNaN(time) ? -Infinity : time;
}

/**
 * Results of several newest-first lists as one newest-first list. Comparing two results needs
 * their data, so the i-th result's data is worked out only when the UI asks for it (results are
 * displayed lazily): loading the first ten merged results loads about ten per language, not all.
 */
function newestFirst(lists) {
  if (lists.length === 1) {
    const { lang, results } = lists[0];
    return results.map((result) => ({ ...result, data: () => dataOf(result, lang) }));
  }
  const cursors = lists.map(({ lang, results }) => ({ lang, results, next: 0, head: null }));
  const merged = [];
  let queue = Promise.resolve();

  async function fillTo(index) {
    while (merged.length <= index) {
      await Promise.all(cursors.map(async (c) => {
        if (c.head === null && c.next < c.results.length) c.head = await dataOf(c.results[c.next], c.lang);
      }));
      const ready = cursors.filter((c) => c.head !== null);
      if (ready.length === 0) return;
      // Ties keep list order: the page's own language first.
      const newest = ready.reduce((a, b) => (publishedAt(b.head) > publishedAt(a.head) ? b : a));
      merged.push(newest.head);
      newest.head = null;
      newest.next += 1;
    }
  }

  function at(index) {
    const step = queue.then(() => fillTo(index));
    queue = step.catch(() => {}); // one failed fragment must not block the results after it
    return step.then(() => merged[index]);
  }

  const total = lists.reduce((n, list) => n + list.results.length, 0);
  return Array.from({ length: total }, (_, index) => ({ id: `merged-${index}`, data: () => at(index) }));
}

/** The Pagefind JS API, as the Component UI uses it. */
export function createInstance(options = {}) {
  instanceOptions = options;
  return {
    async search(term, { filters } = {}) {
      const found = await searchEach(term, filters);
      return {
        results: newestFirst(found.map(({ lang, response }) => ({ lang, results: response.results }))),
        unfilteredResultCount: found.reduce((n, { response }) => n + response.unfilteredResultCount, 0),
        filters: addCounts(found.map(({ response }) => response.filters)),
        totalFilters: addCounts(found.map(({ response }) => response.totalFilters)),
      };
    },
    async filters() {
      // A search for no term with every shown filter returns every page: its counts are the totals.
      const found = await searchEach(null, {});
      return addCounts(found.map(({ response }) => response.filters));
    },
    async options(more) {
      Object.assign(instanceOptions, more);
    },
    async destroy() {
      const instances = await Promise.all(bundles.values());
      bundles.clear();
      await Promise.all(instances.map((instance) => instance.destroy()));
    },
  };
}

"""Benchmark: build a synthetic bilingual archive cold, unchanged and after edits; print a table.

    python benchmarks/run.py --pairs 5000            # or: make bench
    python benchmarks/run.py --pairs 5000 --growth   # also 50,000 pairs (slow), for the growth row
    python benchmarks/run.py --pairs 5000 --compare hugo   # and Hugo, Hugo + Pagefind, interleaved
    python benchmarks/run.py --compare hugo --only-compare  # those rows only (shorter)

Every figure is the median of `--runs` runs. With `--compare hugo`, cold builds of ours (with and
without search) are interleaved with Hugo's and Hugo + Pagefind's over the same corpus laid out for
Hugo (`reference.py`), one of each in turn, so that a change in the machine's load weighs on both
sides alike; the table gives their ratios (whole processes' wall times).

"Fresh process" builds run in a new Python process, as the command line does (the figure is
`build()`'s own time; the process's whole time, interpreter start and imports included, is shown
after it). "Preview" builds run as the preview server runs
them: one after the other in a process that has already built the site, each told by the watcher
which file changed (`session.Session`). Peak memory is the largest sum of the resident memory (RSS)
of the build process and its workers, sampled from /proc every 20 ms in cold builds of their own
(sampling slows a build down: the timed builds are not sampled)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import corpus  # noqa: E402
import reference  # noqa: E402

EDITED_PAIR = 0.5
"""Which pair the edits touch: the one in the middle of the list."""
TARGETS = {"cold": "< 8 s", "cold_search": "", "noop": "< 1 s", "body": "< 0.3 s", "tags": "< 1 s",
           "memory": "< 1 GB", "growth": "≤ 11×, PSS < 2 GB"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5000, help="article pairs (French + English)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: the cores)")
    parser.add_argument("--growth", action="store_true", help="also build 10× the pairs once, cold")
    parser.add_argument("--compare", choices=["hugo"], help="also time Hugo and Hugo + Pagefind, interleaved")
    parser.add_argument("--only-compare", action="store_true", help="only the comparison rows (with --compare)")
    parser.add_argument("--only-edits", action="store_true",
                        help="only a cold build, then the builds of a new process: nothing changed, a body, tags")
    parser.add_argument("--settle", type=float, default=600.0,
                        help="wait at most this many seconds for a quiet disk before the first measurement")
    parser.add_argument("--dir", type=Path, default=HERE.parent / ".bench", help="where corpora are generated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--variant", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        sys.stdout.flush()
        os._exit(0)  # as the command line does (cli.program): no freeing of every object at exit
    print(machine())
    print(f"load average before: {load()}")
    # A benchmark run just before this one deleted its outputs at its end: on this machine's disk
    # (ext4 mounted with `discard`) that keeps it busy for a minute or more, which a cold build
    # started meanwhile measured as 1.5-2 s more (writes slowed in system time).
    waited = settle(quiet_for=5.0, limit=args.settle)
    print(f"disk quiet after {waited:.0f} s")
    try:
        results = measure(args)
        if args.growth:
            results["growth"] = growth(args, results)
    finally:
        empty_trash()
    print(f"load average after: {load()}")
    print()
    print(table(args, results))


# --- the parent: generate, run children, sample memory ---------------------------------------------

def measure(args: argparse.Namespace) -> dict[str, object]:
    project = args.dir / f"corpus-{args.pairs}"
    started = time.perf_counter()
    corpus.generate(project, args.pairs)
    print(f"corpus: {args.pairs} pairs in {project} ({time.perf_counter() - started:.0f} s to generate or check)")
    results: dict[str, object] = {}
    if args.only_edits:
        results["cold"] = [run_child(args, project, "cold", clean=True)]
        for kind in ("noop", "body", "tags"):
            results[f"{kind}_fresh"] = [run_child(args, project, kind, variant=i + 1 if kind != "noop" else 0)
                                        for i in range(args.runs)]
        restore(project, args.pairs)
        return results
    if args.compare:
        results["compare"] = compare(args, project)
        if args.only_compare:
            return results
    # Memory is measured in runs of its own: sampling /proc every 20 ms costs the build about 2 s
    # (reading a large process's memory map stalls it), so the timed runs are not sampled.
    if search_available():
        results["memory_search"] = run_child(args, project, "cold-search", clean=True, sample=True)
    results["memory"] = run_child(args, project, "cold", clean=True, sample=True)
    # With search first: the builds measured after the cold ones follow a build with the same options.
    if search_available():
        results["cold_search"] = [run_child(args, project, "cold-search", clean=True) for _ in range(args.runs)]
    results["cold"] = [run_child(args, project, "cold", clean=True) for _ in range(args.runs)]
    # CI (.github/workflows/pages.yml): a fresh checkout, with the last run's cache restored.
    results["ci"] = [run_child(args, project, "cold", clean=True, keep_cache=True) for _ in range(args.runs)]
    results["noop_fresh"] = [run_child(args, project, "noop") for _ in range(args.runs)]
    results["body_fresh"] = [run_child(args, project, "body", variant=i + 1) for i in range(args.runs)]
    results["tags_fresh"] = [run_child(args, project, "tags", variant=i + 1) for i in range(args.runs)]
    results["warm"] = run_child(args, project, "warm")
    restore(project, args.pairs)
    return results


def compare(args: argparse.Namespace, project: Path) -> dict[str, list[dict]]:
    """Our cold builds (without, then with search) interleaved with Hugo's and Hugo + Pagefind's."""
    hugo_project = args.dir / f"hugo-{args.pairs}"
    started = time.perf_counter()
    reference.generate(hugo_project, args.pairs)
    print(f"Hugo corpus: {hugo_project} ({time.perf_counter() - started:.0f} s to generate or check)")
    rows: dict[str, list[dict]] = {"cold": [], "hugo": [], "cold_search": [], "hugo_pagefind": []}
    for _ in range(args.runs):
        rows["cold"].append(run_child(args, project, "cold", clean=True))
        rows["hugo"].append(run_reference(hugo_project, search=False))
        if search_available():
            rows["cold_search"].append(run_child(args, project, "cold-search", clean=True))
        rows["hugo_pagefind"].append(run_reference(hugo_project, search=True))
    return rows


def run_reference(folder: Path, search: bool) -> dict:
    """One cold Hugo build of `folder` (no output, no cache), then Pagefind over it when `search`."""
    for name in ("public", "cache", "resources"):
        set_aside(folder / name)
    settle()
    load_before = load()
    started = time.perf_counter()
    subprocess.run(reference.hugo_command(folder), check=True, stdout=subprocess.DEVNULL)
    hugo_seconds = time.perf_counter() - started
    if search:
        subprocess.run(reference.pagefind_command(folder), check=True, stdout=subprocess.DEVNULL)
    result = {"wall": time.perf_counter() - started, "hugo": hugo_seconds, "load": load_before}
    label = "hugo+pagefind" if search else "hugo"
    print(f"  {label:<13} {result['wall']:.2f} s" + (f" (Hugo {hugo_seconds:.2f} s)" if search else "")
          + f"; load {load_before}", flush=True)
    return result


def growth(args: argparse.Namespace, results: dict[str, object]) -> dict[str, float]:
    big = args.pairs * 10
    project = args.dir / f"corpus-{big}"
    corpus.generate(project, big)
    # One run, sampled: its peak memory is the figure asked for (sampling slows it down a little).
    run = run_child(args, project, "cold", clean=True, pairs=big, sample=True)
    cold = results["cold"] if "cold" in results else results["compare"]["cold"]  # type: ignore[index]
    assert isinstance(cold, list)
    small = statistics.median(r["build"] for r in cold)
    return {"pairs": big, "seconds": run["build"], "ratio": run["build"] / small, "peak_pss": run["peak_pss"],
            "peak_rss": run["peak_rss"]}


def run_child(args: argparse.Namespace, project: Path, mode: str, clean: bool = False,
              variant: int = 0, pairs: int | None = None, sample: bool = False, keep_cache: bool = False) -> dict:
    """Run one measurement in a new process; add its wall time (and, with `sample`, the peak memory
    of its process tree). `clean` starts without an output folder and (unless `keep_cache`) a cache."""
    if clean:
        for folder in (project / "public", *(() if keep_cache else (project / ".site-builder-cache",))):
            set_aside(folder)
        settle()
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--pairs", str(pairs or args.pairs),
               "--runs", str(args.runs), "--dir", str(project), "--jobs", str(args.jobs or 0)]
    if variant:
        command += ["--variant", str(variant)]
    load_before = load()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=CHILD_ENV)
    sampler = MemorySampler(process.pid)
    if sample:
        sampler.start()
    output, _ = process.communicate()
    if sample:
        sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"benchmark child {mode} failed with status {process.returncode}")
    result = json.loads(output.strip().splitlines()[-1])
    result.update(wall=time.perf_counter() - started, load=load_before, sampled=sample,
                  peak_rss=sampler.peak, peak_pss=sampler.peak_pss)
    print(f"  {mode:<12} {describe(result)}", flush=True)
    return result


CHILD_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""Our builds run as an installed program does: with its compiled bytecode cached (`__pycache__`).
This machine's environment sets PYTHONDONTWRITEBYTECODE=1, which made every new process compile
the package and its libraries from source again (0.13 CPU-s of a one-edit build)."""

TRASH: list[Path] = []


def set_aside(folder: Path) -> None:
    """Move `folder` out of the way, to be deleted when the benchmark ends (`empty_trash`).

    Deleting the 13,593 files of a build on this machine's disk (ext4 mounted with `discard`) made
    the next build's writes 2 to 20 times slower, in system time, for minutes: a cold build measured
    right after deleting the previous one measured the deletion. A first build in CI writes into a
    fresh checkout, with nothing deleted before it."""
    if folder.exists():
        trash = folder.parent.parent / f".bench-trash-{os.getpid()}"
        trash.mkdir(exist_ok=True)
        target = trash / f"{len(TRASH)}-{folder.name}"
        os.rename(folder, target)
        TRASH.append(target)


def empty_trash() -> None:
    for folder in TRASH:
        shutil.rmtree(folder, ignore_errors=True)
    for parent in {folder.parent for folder in TRASH}:
        shutil.rmtree(parent, ignore_errors=True)
    TRASH.clear()


def settle(quiet_for: float = 1.0, limit: float = 20.0) -> float:
    """Flush and wait until the disks have been idle (no read, write or discard: /proc/diskstats)
    for `quiet_for` seconds, at most `limit` seconds; return how long it waited. Deleting the last
    build's 13,000 files keeps an ext4 disk mounted with `discard` busy for seconds afterwards, which
    would otherwise be counted in the next build's writing."""
    started = time.monotonic()
    os.sync()
    deadline = started + limit
    last = disk_counters()
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = disk_counters()
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_for:
            break
    return time.monotonic() - started


def disk_counters() -> str:
    """Every disk's I/O counters (/proc/diskstats); '' where there is no such file."""
    try:
        return Path("/proc/diskstats").read_text()
    except OSError:
        return ""


def describe(result: dict) -> str:
    if "build" in result:
        stages = ", ".join(f"{name} {seconds:.2f}" for name, seconds in result["timings"])
        return (f"build {result['build']:.2f} s (process {result['wall']:.2f} s; parsed {result['parsed']}, "
                f"rendered {result['rendered']}, written {result['written']}; {stages})"
                + (f"; peak RSS {result['peak_rss'] / 2**20:.0f} MiB, PSS {result['peak_pss'] / 2**20:.0f} MiB"
                   if result["sampled"] else "") + f"; load {result['load']}")
    return "; ".join(f"{k} {statistics.median(v):.3f} s" for k, v in result["runs"].items())


class MemorySampler:
    """Largest total RSS (and PSS: shared pages counted once) of a process and its descendants."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.peak_pss = pid, 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            pids = tree(self.pid)
            self.peak = max(self.peak, sum(rss(pid) for pid in pids))
            self.peak_pss = max(self.peak_pss, sum(pss(pid) for pid in pids))


def tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def pss(pid: int) -> int:
    """Proportional set size: each shared page divided among the processes sharing it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def restore(project: Path, pairs: int) -> None:
    """Put the edited article back as generated."""
    planned = corpus.plan(pairs)
    pair = planned[int(len(planned) * EDITED_PAIR)]
    for lang in ("fr", "en"):
        text = corpus.article_text(pair, lang, planned)
        (project / corpus.article_path(pair, lang)).write_text(text, encoding="utf-8")


# --- the child: one build, or a warm series --------------------------------------------------------

def child(args: argparse.Namespace) -> None:
    from site_builder.build import BuildOptions, build

    project = args.dir
    planned = corpus.plan(args.pairs)
    pair = planned[int(len(planned) * EDITED_PAIR)]
    path = project / corpus.article_path(pair, "fr")
    options = {"project": project, "jobs": args.jobs or None}
    if search_available():
        options["search"] = args.child == "cold-search"

    now = {"tags": None, "body": 0}  # what this process's edits left

    def edit(kind: str, variant: int) -> None:
        """A body edit keeps the tags the last edit left, a tag edit the body."""
        if kind == "tags":  # one tag more, or one fewer, in turn
            spare = next(t for t in sorted(corpus.TAGS) if t not in pair.tags)
            now["tags"] = pair.tags + (spare,) if variant % 2 else pair.tags[1:] or (spare,)
        else:
            now["body"] = variant
        path.write_text(corpus.article_text(pair, "fr", planned, tags=now["tags"], variant=now["body"]),
                        encoding="utf-8")

    def timed() -> dict:
        result = build(BuildOptions(**options))
        return {"build": result.seconds, "parsed": result.parsed, "rendered": result.rendered,
                "written": result.written, "timings": result.timings}

    if args.child in ("cold", "cold-search", "noop"):
        print(json.dumps(timed()))
    elif args.child in ("body", "tags"):
        edit(args.child, args.variant)
        print(json.dumps(timed()))
    elif args.child == "warm":
        restore(project, args.pairs)  # as generated: what `edit` starts from
        print(json.dumps(preview_series(args, options, path.relative_to(project).as_posix(), edit)))


def preview_series(args: argparse.Namespace, options: dict, edited: str, edit) -> dict:  # type: ignore[no-untyped-def]
    """Builds as the preview server runs them (`serve.Preview`): a session into a temporary folder,
    the first build with workers, the next ones in the process, each told which file changed.

    "noop" saves the edited file as it is (the preview builds only when the watcher reports a save)."""
    import tempfile

    from site_builder.build import BuildOptions
    from site_builder.preview.session import Session

    folder = Path(tempfile.mkdtemp(prefix="site-builder-serve-"))
    try:
        preview = {**options, "output": folder / "site", "search": False}
        session = Session()
        session.build(BuildOptions(**preview))
        preview["jobs"] = 1
        runs: dict[str, list[float]] = {"noop": [], "body": [], "tags": []}
        details: dict[str, list[dict]] = {key: [] for key in runs}
        for number in range(args.runs):
            for kind in runs:
                if kind != "noop":
                    edit(kind, number + 11)
                started = time.perf_counter()
                result = session.build(BuildOptions(**preview), [edited])
                runs[kind].append(time.perf_counter() - started)
                details[kind].append({"build": result.seconds, "parsed": result.parsed, "rendered": result.rendered,
                                      "written": result.written, "timings": result.timings})
        return {"runs": runs, "details": details}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def search_available() -> bool:
    from site_builder.build import BuildOptions

    return any(f.name == "search" for f in fields(BuildOptions))


# --- reporting -------------------------------------------------------------------------------------

def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"machine: {model}, {len(os.sched_getaffinity(0))} cores, {memory / 2**20:.1f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
            + ("; PYTHONDONTWRITEBYTECODE is set here, not for the builds measured"
               if "PYTHONDONTWRITEBYTECODE" in os.environ else ""))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare_table(args: argparse.Namespace, rows: dict[str, list[dict]]) -> str:
    """Our cold builds against Hugo's and Hugo + Pagefind's: medians of whole processes, and ratios."""
    def median(name: str, key: str = "wall") -> float:
        return statistics.median(r[key] for r in rows[name])

    def runs(name: str) -> str:
        return ", ".join(f"{r['wall']:.2f}" for r in rows[name])

    lines = [f"{args.pairs} pairs ({2 * args.pairs} articles), interleaved, median of {args.runs} runs each "
             "(whole processes' wall time; ours: build() in brackets)",
             "",
             "| measurement | site-builder | the alternative | ratio |",
             "|---|---|---|---|",
             f"| cold build, no search | {median('cold'):.2f} s ({median('cold', 'build'):.2f} s); runs {runs('cold')} "
             f"| Hugo {median('hugo'):.2f} s; runs {runs('hugo')} | {median('cold') / median('hugo'):.2f} |"]
    if rows["cold_search"]:
        lines.append(f"| cold build with search | {median('cold_search'):.2f} s "
                     f"({median('cold_search', 'build'):.2f} s); runs {runs('cold_search')} | "
                     f"Hugo + Pagefind {median('hugo_pagefind'):.2f} s (Hugo "
                     f"{median('hugo_pagefind', 'hugo'):.2f} s); runs {runs('hugo_pagefind')} | "
                     f"{median('cold_search') / median('hugo_pagefind'):.2f} |")
    return "\n".join(lines)


def edits_table(args: argparse.Namespace, results: dict) -> str:
    """`--only-edits`: the command line's builds after a cold one, against issue 20's targets."""
    def fresh(name: str) -> str:
        rows = results[name]
        return (f"{statistics.median(r['build'] for r in rows):.2f} s "
                f"({statistics.median(r['wall'] for r in rows):.2f} s); rendered {rows[-1]['rendered']}, "
                f"written {rows[-1]['written']}")

    return "\n".join([
        f"{args.pairs} pairs ({2 * args.pairs} articles), median of {args.runs} runs, jobs={args.jobs or 'cores'}",
        "", "| a new process (`site-builder build`) | build() (whole process) | target (whole process) |",
        "|---|---|---|",
        f"| cold, for the record | {fresh('cold')} | |",
        f"| nothing changed | {fresh('noop_fresh')} | ≤ 0.4 s |",
        f"| one article's body edited | {fresh('body_fresh')} | ≤ 1 s |",
        f"| one article's tags edited | {fresh('tags_fresh')} | |"])


def table(args: argparse.Namespace, results: dict) -> str:
    if args.only_edits:
        return edits_table(args, results)
    if "compare" in results:
        compared = compare_table(args, results["compare"])
        if args.only_compare:
            return compared + ("\n" + growth_row(args, results["growth"]) if "growth" in results else "")
        return compared + "\n\n" + table(argparse.Namespace(**{**vars(args), "compare": None}),
                                           {k: v for k, v in results.items() if k != "compare"})
    def median(rows: list[dict], key: str = "build") -> float:
        return statistics.median(r[key] for r in rows)

    def fresh(name: str) -> str:
        rows = results[name]
        return f"{median(rows):.2f} s ({median(rows, 'wall'):.2f} s)"

    warm = results["warm"]["runs"]
    lines = [f"{args.pairs} pairs ({2 * args.pairs} articles), median of {args.runs} runs, "
             f"jobs={args.jobs or 'cores'}",
             "",
             "| measurement | fresh process: build() (whole process) | preview (serve path) | target |",
             "|---|---|---|---|",
             f"| cold full build, no search | {fresh('cold')} | | {TARGETS['cold']} |"]
    lines.append(f"| no output folder, the cache of the last build restored (CI), no search | {fresh('ci')} | | |")
    if "cold_search" in results:
        lines.append(f"| cold full build, with search | {fresh('cold_search')} | | |")
    else:
        lines.append("| cold full build, with search | not measured: this build has no search option | | |")
    rows = [("nothing changed", "noop"), ("one article's body edited", "body"), ("one article's tags edited", "tags")]
    lines += [f"| {label} | {fresh(key + '_fresh')} | {statistics.median(warm[key]):.2f} s | {TARGETS[key]} |"
              for label, key in rows]
    def memory(key: str) -> str:
        run = results[key]
        return f"{run['peak_rss'] / 2**20:.0f} MiB ({run['peak_pss'] / 2**20:.0f} MiB)"

    lines.append(f"| peak memory of a cold build, build + workers: RSS summed (PSS), a run of its own | "
                 f"{memory('memory')} | | {TARGETS['memory']} |")
    if "memory_search" in results:
        lines.append(f"| the same with search (Pagefind's process included) | {memory('memory_search')} | | |")
    if "growth" in results:
        lines.append(growth_row(args, results["growth"]))
    return "\n".join(lines)


def growth_row(args: argparse.Namespace, g: dict) -> str:
    return (f"| growth: {g['pairs']} pairs cold, ÷ the {args.pairs}-pair time | {g['seconds']:.1f} s = "
            f"{g['ratio']:.1f}×; peak RSS {g['peak_rss'] / 2**20:.0f} MiB (PSS {g['peak_pss'] / 2**20:.0f} "
            f"MiB), sampled | | {TARGETS['growth']} |")


if __name__ == "__main__":
    main()

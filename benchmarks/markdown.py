"""Benchmark: time per article of `render_markdown`, markdown-it-pyrs against markdown-it-py.

    python benchmarks/markdown.py --pairs 1000      # the synthetic corpus of run.py, in .bench/

Renders every article body of the corpus under each raw HTML policy, once with the guards of
`markdown_guard` (markdown-it-pyrs for all but the text it must not be given) and once with every
text sent to markdown-it-py (what `markdown.py` did before), and prints the best of `--runs` runs
in milliseconds per article, with how many articles the guards sent to markdown-it-py."""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import corpus  # noqa: E402

from site_builder.content import markdown  # noqa: E402
from site_builder.content.front_matter import split_front_matter  # noqa: E402
from site_builder.content.markdown_guard import fallback_reason  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=1000, help="article pairs (French + English)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the best is shown)")
    parser.add_argument("--dir", type=Path, default=HERE.parent / ".bench", help="where corpora are generated")
    args = parser.parse_args()
    project = args.dir / f"corpus-{args.pairs}"
    corpus.generate(project, args.pairs)
    bodies = [split_front_matter(path.read_text(encoding="utf-8")).body
              for path in sorted((project / "content" / "articles").rglob("*.md"))]
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}: {len(bodies):,} "
          f"articles of {sum(map(len, bodies)) // len(bodies):,} characters on average; "
          f"{sum(fallback_reason(body) is not None for body in bodies)} sent to markdown-it-py by the guards")
    print("| raw_html | markdown-it-pyrs (+ guards) | markdown-it-py only | speed-up |")
    print("|---|---|---|---|")
    for policy in ("sanitize", "escape", "trust"):
        fast = best(args.runs, bodies, policy)
        original = markdown.fallback_reason
        markdown.fallback_reason = lambda text: "benchmark"
        try:
            careful = best(args.runs, bodies, policy)
        finally:
            markdown.fallback_reason = original
        print(f"| {policy} | {fast:.3f} ms | {careful:.3f} ms | {careful / fast:.1f}× |")


def best(runs: int, bodies: list[str], policy: str) -> float:
    """Milliseconds per body rendered under `policy`, the best of `runs` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for body in bodies:
            markdown.render_markdown(body, policy)
        times.append((time.perf_counter() - start) / len(bodies) * 1000)
    return min(times)


if __name__ == "__main__":
    main()

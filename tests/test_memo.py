"""Every memo the package keeps is registered where it is declared (`site_builder.memo`), so that
`memo.forget` clears them all: a memo declared any other way fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import site_builder
from site_builder import memo
from tests.helpers import article, build_site, make_site

PACKAGE = Path(site_builder.__file__).parent
FUNCTOOLS_MEMOS = {"lru_cache", "cache"}
EMPTY_CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "WeakValueDictionary"}
NOT_MEMOS = {"site_builder/reuse/workers.py:_before_fork": "callbacks to call before a fork, not a memo"}


def modules() -> list[tuple[str, ast.Module]]:
    return [(path.relative_to(PACKAGE.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(PACKAGE.rglob("*.py")) if path.name != "memo.py"]


def is_empty_container(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Dict | ast.List | ast.Set):
        return not getattr(node, "keys", None) and not getattr(node, "elts", None)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
    return name in EMPTY_CONTAINERS and (name == "defaultdict" or not (node.args or node.keywords))


def test_no_functools_memo_escapes_the_registry() -> None:
    found = []
    for rel, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "functools":
                found += [f"{rel}:{node.lineno} imports {a.name}" for a in node.names if a.name in FUNCTOOLS_MEMOS]
            elif (isinstance(node, ast.Attribute) and node.attr in FUNCTOOLS_MEMOS
                  and isinstance(node.value, ast.Name) and node.value.id == "functools"):
                found.append(f"{rel}:{node.lineno} uses functools.{node.attr}")
    assert found == [], "memoize with site_builder.memo.memoized, which forget clears"


def test_no_module_level_memo_escapes_the_registry() -> None:
    found = []
    for rel, tree in modules():
        bodies = [tree.body, *(node.body for node in tree.body if isinstance(node, ast.ClassDef))]
        for statement in (s for body in bodies for s in body):
            if isinstance(statement, ast.Assign | ast.AnnAssign) and is_empty_container(statement.value):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    name = f"{rel}:{ast.unparse(target)}"
                    if name not in NOT_MEMOS:
                        found.append(f"{name} (line {statement.lineno})")
    assert found == [], "declare module-level memos with site_builder.memo.remembered, which forget clears"


def test_the_decorator_and_the_containers_are_registered_and_forgotten() -> None:
    @memo.memoized(maxsize=None)
    def double(n: int) -> int:
        return 2 * n

    kept = memo.remembered("test_memo.kept", {"a": 1})
    double(2)
    name = f"{__name__}.{double.__qualname__}"
    assert memo.sizes()[name] == 1 and memo.sizes()["test_memo.kept"] == 1
    memo.forget()
    assert memo.sizes()[name] == 0 and kept == {}


def test_forget_lets_go_of_everything_a_build_kept(tmp_path: Path) -> None:
    """`forget` (before Pagefind runs) used to miss views._list_plan, which held every article."""
    root = make_site(tmp_path, {"site.toml": 'base_url = "https://news.example/"\n',
                                "content/articles/a.fr.md": article("Un", "2024-01-02", tags="[Europe]"),
                                "content/articles/a.en.md": article("One", "2024-01-02")})
    build_site(root, search=False)
    held = memo.sizes()
    for name in ("site_builder.render.plans._list_plan", "site_builder.render.plans._article_plan",
                 "site_builder.reuse.loading.MEMORY", "site_builder.reuse.pages.MEMORY"):
        assert held[name] > 0, name
    memo.forget()
    assert {name: size for name, size in memo.sizes().items() if size} == {}


def test_a_worker_keeps_no_page_view_the_parent_would_keep(tmp_path: Path) -> None:
    """The views of pages (`in_workers=False`) pay off only from one build to the next of the
    process that keeps them: a forked worker makes each once, then exits, so it keeps none."""
    from site_builder.build import BuildOptions, load_site
    from site_builder.render import plans
    from site_builder.reuse.workers import MIN_ITEMS_PER_WORKER, map_in_workers

    root = make_site(tmp_path, {f"content/articles/2024/a{n}.fr.md": article(f"A{n}", "2024-01-10", "Un.")
                                for n in range(3)})
    build_site(root, search=False, jobs=1)  # rendered in this process: the views are kept
    assert plans._article_page.cache_info().currsize == 3
    memo.forget()
    site = load_site(BuildOptions(project=root, search=False, jobs=1, cache=False))[0]

    def views_kept(_: int) -> int:
        plans._article_page.cache_clear()
        for one in site.articles:
            plans._article_page(site.config, one, ())
        return int(plans._article_page.cache_info().currsize)

    assert set(map_in_workers(views_kept, list(range(2 * MIN_ITEMS_PER_WORKER)), 2)) == {0}
    assert views_kept(0) == 3  # the same calls in this process keep them

"""Resident memory each package adds while a module is imported (MiB), largest first.

A probe for issue 13's memory target, not part of ``make bench``: every module a service
imports stays in its RSS, so this shows what a service's start costs, package by package.

    python bench/import_rss.py notifications.bootstrap
    python bench/import_rss.py aiohttp --after fastapi,sqlalchemy.orm   # what it adds to those

The RSS read between two imports is charged to the package whose import began last (a parent
package's own code after its children's imports is charged to the last child): read it as a
guide to where to look, then confirm with ``--after``.
"""
import argparse
import collections
import importlib
import sys


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class _Charge:
    """A finder that finds nothing: it only notes which package is being imported now."""

    def __init__(self) -> None:
        self.added: collections.Counter[str] = collections.Counter()
        self.current, self.last = "<before>", rss_kib()

    def note(self) -> None:
        now = rss_kib()
        self.added[self.current] += now - self.last
        self.last = now

    def find_spec(self, name, path=None, target=None):
        self.note()
        self.current = name.partition(".")[0]
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module")
    parser.add_argument("--after", default="", help="modules imported first, not counted")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    for name in filter(None, args.after.split(",")):
        importlib.import_module(name)
    start = rss_kib()
    charge = _Charge()
    sys.meta_path.insert(0, charge)
    importlib.import_module(args.module)
    charge.note()
    sys.meta_path.remove(charge)
    print(f"{args.module}: {start / 1024:.1f} -> {rss_kib() / 1024:.1f} MiB")
    for package, kib in charge.added.most_common(args.top):
        print(f"{kib / 1024:7.2f}  {package}")


if __name__ == "__main__":
    main()

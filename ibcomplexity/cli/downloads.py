"""``ibc data list`` and ``ibc data download NAME``: the data directory and its downloads."""

from __future__ import annotations

import argparse

from ibcomplexity.cli._output import make_console, print_json, progress


def add_parser(sub, *, common) -> None:
    """Register ``data`` (with ``list`` and ``download``) on the ``ibc`` subparsers."""
    d = sub.add_parser(
        "data",
        help="the data directory: list the downloadable data sets, download them",
        description="The data directory is $IBC_DATA (or 'ibc --data-dir DIR ...'; default "
        "~/.cache/ibcomplexity/data). Downloads come from the data sets' canonical sources, "
        "are checked against published MD5 checksums and resume when interrupted.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  ibc data list\n  ibc data download mnist\n"
        "  ibc estimate --dataset mnist        # reads DATA/mnist (the test split)",
    )
    actions = d.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = actions.add_parser("list", help="the data sets and whether they are downloaded")
    common(lst)
    lst.set_defaults(func=cmd_list)
    dl = actions.add_parser("download", help="download data sets into the data directory")
    dl.add_argument("names", nargs="+", metavar="NAME", help="data set names (see 'ibc data list')")
    common(dl)
    dl.set_defaults(func=cmd_download)


def cmd_list(args) -> int:
    from ibcomplexity.tasks.downloads import SOURCES, data_dir, source_status

    rows = []
    for src in SOURCES.values():
        st = source_status(src)
        rows.append(
            {
                "name": src.name,
                "title": src.title,
                "status": "downloaded"
                if st["complete"]
                else ("partial" if any(v != "missing" for v in st["files"].values()) else "-"),
                "folder": st["folder"],
                "spec": src.name if src.spec else "",
                "homepage": src.homepage,
            }
        )
    if args.json:
        print_json({"data_dir": str(data_dir()), "datasets": rows})
        return 0
    from rich.table import Table

    t = Table(title=f"Data sets (data directory {data_dir()})", header_style="bold")
    for col in ("name", "what", "status", "dataset spec"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["name"], r["title"], r["status"], r["spec"] or "-")
    console = make_console()
    console.print(t)
    console.print("download with: ibc data download NAME", highlight=False)
    return 0


def cmd_download(args) -> int:
    from ibcomplexity.tasks.downloads import SOURCES, download

    unknown = [n for n in args.names if n not in SOURCES]
    if unknown:
        from ibcomplexity._validation import InputError

        raise InputError(f"unknown data set {unknown[0]!r}; downloadable: {', '.join(SOURCES)}")
    folders = {}
    with progress(not args.quiet) as pf:
        for name in args.names:
            folders[name] = str(download(name, progress=pf))
    if args.json:
        print_json({"downloaded": folders})
        return 0
    console = make_console()
    for name, folder in folders.items():
        spec = SOURCES[name].spec
        use = f"; use it as --dataset {name}" if spec else ""
        console.print(f"{name}: {folder} (checksums verified){use}", highlight=False)
    return 0

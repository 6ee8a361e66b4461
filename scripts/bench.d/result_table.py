"""The result table the IO and network benchmarks print, and append to the markdown file."""

HEADER = ("workload", "tool", "median wall", "rate", "ratio", "target", "result")


def emit(rows, markdown=None):
    """Prints `rows` (tuples in HEADER's order) as an aligned table, appends them to `markdown` when given, and
    returns the exit status: 1 if any row failed, else 0."""
    widths = [max(len(str(r[i])) for r in list(rows) + [HEADER]) for i in range(len(HEADER))]
    for r in [HEADER] + list(rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)))
    if markdown:
        with open(markdown, "a") as f:
            f.write("\n| " + " | ".join(HEADER) + " |\n|" + "---|" * len(HEADER) + "\n")
            for r in rows:
                f.write("| " + " | ".join(str(v) for v in r) + " |\n")
    return 1 if any(r[6] == "FAIL" for r in rows) else 0

"""Copy rendered tables into README.md between their markers.

    python benchmarks/update_readme.py

Each block `<!-- include: PATH -->` ... `<!-- end include -->` in README.md
is replaced by the current contents of PATH (a table `simbench report` or
`benchmarks/side_by_side.py` wrote), so the README never carries numbers
typed by hand.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- include: (?P<path>\S+) -->\n).*?(<!-- end include -->)",
                   re.DOTALL)


def splice(text: str, root: Path) -> str:
    def replace(match):
        path = root / match.group("path")
        if not path.is_file():
            sys.exit(f"{path} does not exist: run the benchmark that writes it "
                     "first (see README.md, Leaderboard).")
        body = path.read_text(encoding="utf-8").rstrip("\n")
        return f"{match.group(1)}{body}\n{match.group(3)}"

    return BLOCK.sub(replace, text)


def main():
    readme = ROOT / "README.md"
    readme.write_text(splice(readme.read_text(encoding="utf-8"), ROOT),
                      encoding="utf-8")


if __name__ == "__main__":
    main()

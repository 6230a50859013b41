"""Put the project's source folders on sys.path through a .pth file in the environment's site-packages.

The editable install alone resolves packages through a finder that runs after the path search, so
from the repository root the top-level folder ``gateway/`` would shadow the package ``gateway`` as a
namespace package. With the source folders on sys.path, the regular package always wins.
"""

import site
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
folders = [root / "libs", root / "gateway" / "src", *sorted(root.glob("services/*/src"))]
target = Path(site.getsitepackages()[0]) / "medins-src.pth"
target.write_text("".join(f"{folder}\n" for folder in folders))
print(f"{target}: {len(folders)} source folders")

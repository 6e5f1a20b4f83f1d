"""Hatch build hook: the entity tagger's per-token modules compiled with mypyc (and C) into the wheel.

Entity extraction is most of what indexing with entities costs, spread over Python loops in many
small functions; mypyc compiles the same typed source to C extension modules, and the scorer's
two loops over every token (scores from the word memo's rows, Viterbi) are C (``_crf.c``, its NumPy
code the fallback): about 1.45x faster extraction on Reuters than the source, the same entities.
The wheel keeps the ``.py`` files: an extension module is imported in their place.

``SEARCHIDX_COMPILE``: ``auto`` (default) compiles when it can and otherwise builds a pure-Python
wheel with a warning (no C compiler, say); ``yes`` fails the build instead (CI); ``no`` skips it.
Editable installs are never compiled: the source you edit is what runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: Modules of ``searchidx/entities`` compiled: tagging, the document pass, the clean-up rules, canonical
#: names and the collection's resolution. Not the scorer (its loops are :data:`NATIVE`, the rest NumPy;
#: tests wrap its model), the package's ``__init__``, nor the training-time modules.
MODULES = (
    "aliases canonical cleanup collection context decode document feature_ids features gazetteer headlines "
    "name_words org_names tagger titles tokens word_entries"
).split()

#: Plain C extension modules (the scorer's per-token loops: ``scorer.py`` has the NumPy reference).
NATIVE = {"searchidx.entities._crf": "searchidx/entities/_crf.c"}

_SETUP = """
from setuptools import Extension, setup
from mypyc.build import mypycify

options = ["--ignore-missing-imports", "--follow-imports=silent"]
native = [Extension(name, [source], extra_compile_args=["-O2"]) for name, source in {native!r}.items()]
setup(name="searchidx-compiled", ext_modules=[*mypycify([*options, *{files!r}]), *native])
"""


class MypycHook(BuildHookInterface):  # type: ignore[misc]
    """Compile :data:`MODULES` and :data:`NATIVE` in a copy of the package; add them to the wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Before the wheel is built: compile, then list the extension modules for it."""
        self.folder: Path | None = None
        mode = os.environ.get("SEARCHIDX_COMPILE", "auto").lower()
        if self.target_name != "wheel" or version == "editable" or mode in ("no", "0", "false"):
            return
        self.folder = Path(tempfile.mkdtemp(prefix="searchidx-mypyc-"))
        try:
            built = _compile(Path(self.root), self.folder)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = (getattr(error, "output", "") or str(error))[-3000:]
            if mode in ("yes", "1", "true"):
                raise RuntimeError(f"SEARCHIDX_COMPILE=yes, and compiling failed:\n{detail}") from None
            self.app.display_warning(
                "searchidx: the entity modules were not compiled, so entity extraction runs as plain "
                f"Python (slower); set SEARCHIDX_COMPILE=no to skip trying. The build said:\n{detail}"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        for path in built:
            build_data["force_include"][str(path)] = path.relative_to(self.folder).as_posix()

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """After the wheel is built: remove the compiled copy."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _compile(root: Path, folder: Path) -> list[Path]:
    """Compile the modules in ``folder`` (a copy of the package: the source tree is not written)."""
    shutil.copytree(
        root / "searchidx",
        folder / "searchidx",
        ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"),
    )
    files = [f"searchidx/entities/{name}.py" for name in MODULES]
    (folder / "setup.py").write_text(_SETUP.format(files=files, native=NATIVE))
    subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=folder,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return [path for path in folder.rglob("*") if path.name.endswith(tuple(EXTENSION_SUFFIXES))]

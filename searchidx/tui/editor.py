"""The command that opens a file at a line in the user's editor (``e`` in the TUI)."""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = ["editor_command"]

# Editors that take ``+LINE FILE`` (vi's convention, followed by most terminal editors).
_PLUS_LINE = frozenset("vi vim nvim view gvim nano emacs emacsclient micro joe jed ne mg kak mcedit".split())
# Editors that take ``FILE:LINE`` after an option (VS Code and its kin take ``-g``).
_GOTO = {"code": "-g", "codium": "-g", "code-insiders": "-g", "subl": "", "hx": "", "helix": ""}


def editor_command(editor: Sequence[str], path: str, line: int) -> list[str]:
    """``editor`` (``$VISUAL``/``$EDITOR`` split into words) opening ``path`` at ``line``.

    A JSON Lines or CSV article opens at its own line; an editor this does not
    know, or line 0 (the article is the whole file), gets the path alone.
    """
    name = os.path.basename(editor[0]) if editor else ""
    if line > 0 and name in _PLUS_LINE:
        return [*editor, f"+{line}", path]
    if line > 0 and name in _GOTO:
        option = _GOTO[name]
        return [*editor, *([option] if option else []), f"{path}:{line}"]
    return [*editor, path]

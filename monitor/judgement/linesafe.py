"""Tell whether a regular expression finds in a text exactly what it finds in the text's lines.

`monitor.judgement.scan` remembers the scans of lines judged before; a regex
search can be remembered the same way when no match can cross a line break and
no assertion reads one differently from the start or end of a string. This is
decided from the compiled pattern's syntax tree (`re._parser`), not assumed:

- nothing in the pattern can match "\\n" (a literal, a negated class, `\\s`,
  `\\D`, `\\W`, `.` under DOTALL, a back-reference);
- no `^`, `$`, `\\A` or `\\Z` (in a line they would hold at every line's ends);
- a lookaround is judged as a pattern of its own: at a line's edge it sees
  nothing where the whole text has "\\n", which makes no difference when it
  cannot match "\\n" either. `\\b` and `\\B` see a non-word character both ways.

Then the non-overlapping matches of `finditer` over the text are the matches
over each line, in order, shifted by the line's start.
"""

from __future__ import annotations

import re

try:                                  # Python 3.11+
    from re import _constants as _c, _parser as _p
except ImportError:                   # pragma: no cover - Python < 3.11
    import sre_constants as _c        # type: ignore[no-redef]
    import sre_parse as _p            # type: ignore[no-redef]

__all__ = ["line_safe"]

_NEWLINE = 10
# Categories of a class that contain "\n".
_NEWLINE_CATEGORIES = {_c.CATEGORY_SPACE, _c.CATEGORY_NOT_DIGIT, _c.CATEGORY_NOT_WORD, _c.CATEGORY_LINEBREAK,
                       _c.CATEGORY_UNI_SPACE, _c.CATEGORY_UNI_NOT_DIGIT, _c.CATEGORY_UNI_NOT_WORD,
                       _c.CATEGORY_UNI_LINEBREAK, _c.CATEGORY_LOC_NOT_WORD}
_SAFE_AT = {_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY, _c.AT_UNI_BOUNDARY, _c.AT_UNI_NON_BOUNDARY,
            _c.AT_LOC_BOUNDARY, _c.AT_LOC_NON_BOUNDARY}


def line_safe(pattern: re.Pattern) -> bool:
    """Return True when `pattern.finditer(text)` equals the shifted matches of `finditer` on each line."""
    if pattern.flags & (re.MULTILINE | re.IGNORECASE):
        return False            # (IGNORECASE could fold a class onto "\n"-like characters: not worth proving)
    try:
        tree = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - an unknown construct is simply not proven safe
        return False
    return _safe(tree, dotall=bool(pattern.flags & re.DOTALL))


def _class_has_newline(items) -> bool:
    negate, found = False, False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            found = found or av == _NEWLINE
        elif op is _c.RANGE:
            found = found or av[0] <= _NEWLINE <= av[1]
        elif op is _c.CATEGORY:
            found = found or av in _NEWLINE_CATEGORIES
        else:
            return True         # unknown member: assume the worst
    return found != negate


def _safe(tree, *, dotall: bool) -> bool:
    for op, av in tree:
        if op is _c.LITERAL:
            if av == _NEWLINE:
                return False
        elif op is _c.NOT_LITERAL:
            if av != _NEWLINE:
                return False
        elif op is _c.ANY:
            if dotall:
                return False
        elif op is _c.IN:
            if _class_has_newline(av):
                return False
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            if not _safe(av[2], dotall=dotall):
                return False
        elif op is _c.SUBPATTERN:
            if not _safe(av[-1], dotall=dotall):
                return False
        elif op is _c.ATOMIC_GROUP:
            if not _safe(av, dotall=dotall):
                return False
        elif op is _c.BRANCH:
            if not all(_safe(branch, dotall=dotall) for branch in av[1]):
                return False
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if not _safe(av[1], dotall=dotall):
                return False
        elif op is _c.AT:
            if av not in _SAFE_AT:
                return False
        else:
            return False        # GROUPREF, GROUPREF_EXISTS, anything new: not proven
    return True

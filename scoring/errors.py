"""Domain errors: structured, so each shell can say where and what in the user's terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scoring.messages import N_, Message


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, located as precisely as the input allows.

    ``path`` is the human route to the object (``category C → item C2``), ``field`` the key
    inside it, ``line``/``column`` 1-based positions in the file when known.
    """

    file: str
    message: Message | str
    path: tuple[str, ...] = ()
    field: str = ""
    line: int | None = None
    column: int | None = None

    def text(self, render: Callable[[Message | str], str] = str) -> str:
        """``file:line → route → field: message``, the message rendered by ``render`` (a translation)."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        parts = [where, *self.path]
        if self.field:
            parts.append(self.field)
        return " → ".join(parts) + f": {render(self.message)}"

    def __str__(self) -> str:
        return self.text()


class ScoringError(Exception):
    """Base of every error the core raises on purpose."""


@dataclass
class RubricError(ScoringError):
    """A rubric file is invalid; ``problems`` lists every problem found in one run."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def lines(self, render: Callable[[Message | str], str] = str) -> list[str]:
        """A heading, then every problem one a line (the CLI prints them, the web translates them)."""
        head = render(N_("%(file)s：%(n)s 个问题", file=self.file, n=len(self.problems)))
        return [head, *(p.text(render) for p in self.problems)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True)
class CellProblem:
    """One bad cell of a table file: sheet (or file), 1-based row, column name."""

    sheet: str
    row: int
    column: str
    message: Message | str

    def text(self, render: Callable[[Message | str], str] = str) -> str:
        """``评分.xlsx → 第 3 行 → 档次 (level): …``; whole-file problems name only the file."""
        parts = [self.sheet]
        if self.row:
            parts.append(render(N_("第 %(n)s 行", n=self.row)))
        if self.column and self.column != "-":
            parts.append(self.column)
        return " → ".join(parts) + f": {render(self.message)}"

    def __str__(self) -> str:
        return self.text()


@dataclass
class MarksFileError(ScoringError):
    """A marks table has bad rows; nothing of it is applied."""

    file: str
    problems: list[CellProblem] = field(default_factory=list)

    def lines(self, render: Callable[[Message | str], str] = str) -> list[str]:
        head = render(N_("%(file)s：%(n)s 个问题，未导入任何评分", file=self.file, n=len(self.problems)))
        return [head, *(p.text(render) for p in self.problems)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class InvalidInput(ScoringError):
    """Input a person gave is refused: ``field`` names where, ``message`` says why (a message id).

    Raised by operations and the core for bad input; the web answers it with 400/422 in the
    reader's language. Any other exception is a bug and answers 500.
    """

    def __init__(self, field: str, message: Message | str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidMark(ScoringError):
    """A mark does not fit its item (unknown level, points above the maximum ...)."""

    def __init__(self, item_id: str, field: str, message: Message | str) -> None:
        super().__init__(f"item {item_id} → {field}: {message}")
        self.item_id = item_id
        self.field = field
        self.message = message
        self.refused = False  # True: input that may not even be kept as a draft (see marks.read_mark)


class StaleEdit(ScoringError):
    """Someone saved since this edit was loaded; the current value is returned, nothing written."""

    def __init__(self, current: dict | None, version: int, by: str = "", at: str = "") -> None:
        super().__init__(f"changed since loaded (now version {version})")
        self.current = current
        self.version = version
        self.by = by
        self.at = at


class NotFound(ScoringError):
    """No such object (or the caller may not know it exists)."""


class NotPermitted(ScoringError):
    """The caller's role or assignment does not allow this."""


class ConflictOfInterest(NotPermitted):
    """The reviewer belongs to the town (回避): they never score it, decide its appeals or see its marks."""

    def __init__(self, message: Message | str) -> None:
        super().__init__(str(message))
        self.message = message


class PhaseClosed(ScoringError):
    """The assessment's phase does not allow this action now."""


class LoginLocked(ScoringError):
    """Too many failed sign-ins for this account; try again later."""

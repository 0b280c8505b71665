"""The exceptions airlock raises.

Every one derives from :class:`AirlockError` and carries ``code`` (a short machine-readable
string), ``hint`` (what to do about it, when there is something to say) and ``result`` (the
:class:`~airlock.RunResult` of the run so far, for errors that end a run). After any of them
the session is still usable: its files, budgets and journal are intact.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import RunResult

__all__ = [
    "AirlockError",
    "ConfigError",
    "ScriptError",
    "TimeoutError",
    "MemoryLimitError",
    "FuelExhaustedError",
    "StackOverflowError",
    "PolicyDenied",
    "JournalError",
    "ReplayDiverged",
    "ApprovalPending",
    "Interrupted",
]


class AirlockError(Exception):
    """Base class of airlock's errors."""

    default_code = "EAIRLOCK"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        hint: str | None = None,
        result: RunResult | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.hint = hint
        self.result = result

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code, self.hint, self.result))


class ConfigError(AirlockError, ValueError):
    """A bad tool, policy, limit or config file: raised before anything runs."""

    default_code = "EINVAL"


class ScriptError(AirlockError):
    """The script failed: an uncaught error, a syntax error, or a non-zero exit code."""

    default_code = "ESCRIPT"


class TimeoutError(AirlockError, builtins.TimeoutError):  # noqa: A001 - the point is to be both
    """The run reached its time limit and was stopped. Also a builtin ``TimeoutError``."""

    default_code = "ETIMEOUT"


class MemoryLimitError(AirlockError, MemoryError):
    """The run reached its memory limit and was stopped."""

    default_code = "ENOMEM"


class FuelExhaustedError(AirlockError):
    """The run used up its fuel (instruction) budget and was stopped."""

    default_code = "EFUEL"


class StackOverflowError(AirlockError, RecursionError):
    """The script recursed past the native stack and was stopped."""

    default_code = "ESTACK"


class PolicyDenied(AirlockError, PermissionError):
    """The capability policy refused a tool call made from Python (:meth:`Session.call`)."""

    default_code = "EPOLICY"


class JournalError(AirlockError):
    """A journal cannot be written, read or verified (a cut or edited journal included)."""

    default_code = "EJOURNAL"


class ReplayDiverged(AirlockError):
    """A replayed script made a tool call the recording did not."""

    default_code = "EDIVERGED"


class ApprovalPending(AirlockError):
    """A call waits for a human's approval that nobody could give during the run."""

    default_code = "EPENDING"


class Interrupted(AirlockError):
    """The run was stopped by :meth:`Session.interrupt` from another thread."""

    default_code = "EINTR"

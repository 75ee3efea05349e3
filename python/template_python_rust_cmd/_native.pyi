"""Type stubs of the PyO3 extension ``template_python_rust_cmd._native``."""

import os
import sys
from typing import final

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

__all__ = ["Stats", "__version__", "count_bytes", "count_file"]

__version__: str

@final
class Stats:
    """Line, word and byte counts, as POSIX ``wc -l -w -c`` defines them in the C locale."""

    def __new__(cls, lines: int = 0, words: int = 0, bytes: int = 0) -> Stats: ...
    @property
    def lines(self) -> int:
        """Number of newline (``\\n``) bytes."""
    @property
    def words(self) -> int:
        """Number of maximal runs of bytes that are not C-locale whitespace (``isspace()``)."""
    @property
    def bytes(self) -> int:
        """Number of bytes."""
    def to_dict(self) -> dict[str, int]:
        """The counts as ``{"lines": ..., "words": ..., "bytes": ...}``."""
    def __getnewargs__(self) -> tuple[int, int, int]:
        """Arguments that rebuild this object, so ``pickle`` and ``copy`` work."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def count_bytes(data: Buffer) -> Stats:
    """Counts lines, words and bytes of a bytes-like object."""

def count_file(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> Stats:
    """Counts lines, words and bytes of the file at ``path``.

    ``path`` is what ``open()`` accepts as a file name: ``str``, ``bytes``, or an
    ``os.PathLike`` returning either.
    """

"""wc-style statistics (lines, words, bytes) of byte buffers and files, from a Rust core.

>>> from template_python_rust_cmd import count_bytes
>>> count_bytes(b"hello world\\n")
Stats(lines=1, words=2, bytes=12)

Lines are ``\\n`` bytes. A word is a maximal run of bytes that are not whitespace, where
whitespace is the C locale's ``isspace()`` set: space, ``\\t``, ``\\n``, ``\\v``, ``\\f`` and
``\\r``; NUL, other control bytes and bytes >= 0x80 are word bytes. This is POSIX's
definition for ``wc`` in the C locale, which GNU coreutils 9.5 and later follow, so the
counts equal ``LC_ALL=C wc -l -w -c`` there. An older GNU ``wc`` (before 9.5, such as 9.1)
lets control bytes and bytes >= 0x80 neither start nor end a word, so its word count can be
lower on input holding such bytes (UTF-8 text outside ASCII, binary data):

>>> count_bytes(b"\\x01 caf\\xc3\\xa9 \\xe2\\x80\\x94\\n").words  # `wc` 9.1 says 1
3

``count_file`` takes what ``open()`` takes as a file name (``str``, ``bytes``,
``os.PathLike``). The same counts are available from the command line as
``template-cli count``.
"""

from __future__ import annotations

from ._native import Stats, __version__, count_bytes, count_file

__all__ = ["Stats", "__version__", "count_bytes", "count_file"]

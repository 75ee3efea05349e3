"""wc-style statistics (lines, words, bytes) from a Rust core, identical to GNU ``wc`` in the C locale.

>>> from template_python_rust_cmd import count_bytes
>>> count_bytes(b"hello world\\n")
Stats(lines=1, words=2, bytes=12)

The same counts are available from the command line as ``template-cli count``.
"""

from __future__ import annotations

from ._native import Stats, __version__, count_bytes, count_file

__all__ = ["Stats", "__version__", "count_bytes", "count_file"]

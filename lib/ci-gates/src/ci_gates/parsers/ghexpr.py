"""Who controls the value of a GitHub Actions ``${{ … }}`` expression.

GitHub pastes the value of every ``${{ … }}`` inside a ``run:`` script into the script text
before the shell parses it. Whether that is a script injection depends on whether someone who
is not a maintainer can choose the value. :func:`sources` parses the expression (the grammar
of GitHub's expression syntax: literals, context paths, ``[…]``/``.*`` access, function calls,
``!``, comparisons, ``&&``, ``||``) and returns the context paths whose value can reach the
result: ``a == b`` or ``contains(…)`` yield a boolean, ``x && 'lit' || ''`` yields a literal
or a falsy value, ``format(…)`` carries all of its arguments. :func:`untrusted` then decides,
path by path, with the file at hand:

Not attacker-controlled (the lower-severity rule):
  ``runner.*``; ``github.`` workspace, action_path, sha, run_id/number/attempt, job,
  event_name, repository (and _owner, _id), actor, server/api URLs, token, the runner's file
  paths (env, output, path, step_summary, event_path) and the like; numeric ids and SHAs of
  ``github.event`` (``github.event.pull_request.number``, ``….head.sha``); ``secrets.*``
  and ``vars.*`` (set by maintainers); ``steps.X.outcome``/``conclusion``,
  ``needs.X.result``, ``job.*``, ``strategy.*``; ``matrix.*`` when the job's matrix is
  written out in the file (no ``${{ }}`` in it); ``env.X`` when the file sets X (step, job
  or workflow ``env:``) to such a value; ``inputs.X`` of a workflow whose every declaration
  of X has ``type: boolean``, ``number``, ``choice`` or ``environment``.

Attacker-controlled (an error): everything else, in particular ``inputs.*`` of a composite
action (the caller may pass ``github.event.issue.title``), ``github.event.*`` text (titles,
bodies, branch names, commit messages), ``github.head_ref``/``ref``/``ref_name``/``base_ref``
(branch names may hold ``$(…)``), ``steps.*.outputs.*`` and ``needs.*.outputs.*`` (the gate
cannot see what a step wrote there), an ``env.X`` the file does not set, and any expression
that does not parse.
"""

from __future__ import annotations

import re

from ci_gates.parsers import ghyaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],.*-])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_BOOLEAN_FUNCTIONS = frozenset(
    {"contains", "startswith", "endswith", "success", "always", "cancelled", "failure"}
)
_TRUSTED = re.compile(
    r"^(?:runner\.[\w-]+"
    r"|github\.(?:workspace|action_path|action|action_repository|action_ref|run_id|run_number"
    r"|run_attempt|job|sha|event_name|ref_type|ref_protected|repository|repository_id"
    r"|repository_owner|repository_owner_id|server_url|api_url|graphql_url|workflow|workflow_ref"
    r"|workflow_sha|retention_days|secret_source|token|actor|actor_id|triggering_actor"
    r"|event_path|env|output|path|state|step_summary)"
    r"|github\.event\.(?:number|after|before|(?:pull_request|issue|workflow_run|check_suite"
    r"|check_run|release|discussion|comment|review|merge_group)\.(?:number|id|head\.sha"
    r"|base\.sha|head_sha|run_number|run_attempt))"
    r"|(?:secrets|vars|strategy)\.[\w-]+|job\.[\w.*-]+"
    r"|steps\.[\w-]+\.(?:outcome|conclusion)|needs\.[\w-]+\.result)$"
)
if TYPE_CHECKING:
    _Value = tuple[set[str], "set[str] | None"]
_CONSTRAINED_INPUT_TYPES = frozenset({"boolean", "number", "choice", "environment"})


_BOOLEAN = frozenset({"true", "false"})
_FALSY = frozenset({"", "false", "0"})


class _Parser:
    """Recursive descent over the tokens.

    Each method returns ``(paths, literals)``: the context paths whose value can reach the
    result, and every literal text the result can take (None when that cannot be listed,
    e.g. a path's value). ``'a' || 'b'`` gives ``(set(), {'a'})``; ``c && 'x' || ''`` gives
    ``(set(), {'x', ''})`` (a falsy value renders as '' or 'false').
    """

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        at, text = 0, text.strip()
        while at < len(text):
            m = _TOKEN.match(text, at)
            if not m or m.end() == at:
                raise ValueError(f"cannot read {text[at : at + 10]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            at = m.end()
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens) or (expected and self.peek() != expected):
            raise ValueError(f"expected {expected or 'more'}")
        self.at += 1
        return self.tokens[self.at - 1]

    def parse(self) -> _Value:
        out = self.either()
        if self.at != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()!r}")
        return out

    def either(self) -> _Value:
        paths, lits = self.both()
        while self.peek() == "||":  # the left value when truthy, else the right one
            self.take()
            right_paths, right_lits = self.both()
            kept = None if lits is None else {v for v in lits if v not in _FALSY}
            if kept is not None and kept == lits and not paths:
                continue  # the left side is always truthy: the right one is never the value
            paths = paths | right_paths
            lits = None if kept is None or right_lits is None else kept | right_lits
        return paths, lits

    def both(self) -> _Value:
        paths, lits = self.compare()
        while self.peek() == "&&":  # the left value only when falsy: '', 0, false, null
            self.take()
            falsy = {""} if lits is None else {v for v in lits if v in _FALSY}
            paths, right = self.compare()
            lits = None if right is None else right | falsy
        return paths, lits

    def compare(self) -> _Value:
        out = self.unary()
        while self.peek() in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            self.unary()
            out = (set(), set(_BOOLEAN))
        return out

    def unary(self) -> _Value:
        if self.peek() == "!":
            self.take()
            self.unary()
            return set(), set(_BOOLEAN)
        negative = self.peek() == "-"
        if negative:
            self.take()
        paths, lits = self.access()
        return paths, None if negative else lits

    def access(self) -> _Value:
        kind, token = self.take()
        found: _Value = (set(), None)
        name: str | None = None
        if token == "(":
            found = self.either()
            self.take(")")
        elif kind == "name" and self.peek() == "(":
            found = self.call(token)
        elif kind == "str":
            found = (set(), {token[1:-1].replace("''", "'")})
        elif kind == "num" or token in _BOOLEAN:
            found = (set(), {token})
        elif token == "null":
            found = (set(), {""})
        elif kind == "name":
            name = token
        else:
            raise ValueError(f"unexpected {token!r}")
        accessed = False
        while self.peek() in (".", "["):
            accessed = True
            if self.take()[1] == ".":
                part = self.take()[1]
                if name is not None:
                    name += f".{part}"
            else:
                sub_kind, sub = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
                self.either()
                self.take("]")
                if name is not None:
                    name += "." + (sub[1:-1] if sub_kind == "str" else "*")
        if name is not None:
            return {name}, None
        return (found[0], None) if accessed else found

    def call(self, function: str) -> _Value:
        self.take("(")
        paths: set[str] = set()
        while self.peek() != ")":
            paths |= self.either()[0]
            if self.peek() == ",":
                self.take()
        self.take(")")
        lowered = function.lower()
        if lowered in _BOOLEAN_FUNCTIONS:
            return set(), set(_BOOLEAN)
        if lowered == "hashfiles":
            return set(), None
        return paths, None  # format, join, toJSON, fromJSON, and unknown functions


def sources(expression: str) -> set[str] | None:
    """Context paths whose value can reach the result; None when it does not parse."""
    try:
        return _Parser(expression).parse()[0]
    except (ValueError, IndexError):
        return None


def literal_values(expression: str) -> list[str] | None:
    """Every text the expression can render as, when it only chooses among literals."""
    try:
        paths, lits = _Parser(expression).parse()
    except (ValueError, IndexError):
        return None
    return sorted(lits) if not paths and lits is not None else None


def _expressions(text: str) -> list[str]:
    return [m.group(1) for m in EXPRESSION.finditer(text)]


def _static(node: Any) -> bool:
    """No ``${{`` anywhere under a node: every value is written out in the file."""
    if ghyaml.is_map(node):
        return all(_static(k) and _static(v) for k, v in node.value)
    if ghyaml.is_seq(node):
        return all(_static(v) for v in node.value)
    return "${{" not in (ghyaml.scalar(node) or "")


def _typed_input(doc: Any, name: str) -> bool:
    triggers = ghyaml.get(doc, "on")
    declared = [
        ghyaml.path(triggers, trigger, "inputs", name)
        for trigger in ("workflow_dispatch", "workflow_call")
    ]
    declared = [d for d in declared if d is not None]
    return bool(declared) and all(
        ghyaml.scalar(ghyaml.get(d, "type")) in _CONSTRAINED_INPUT_TYPES for d in declared
    )


def untrusted(path: str, doc: Any, step: ghyaml.Step, depth: int = 0) -> bool:
    """Can someone who is not a maintainer choose the value of context ``path`` here?"""
    if path.startswith("github.event.inputs."):
        path = "inputs." + path[len("github.event.inputs.") :]
    head, _, rest = path.partition(".")
    if _TRUSTED.match(path):
        return False
    if head == "matrix":
        return not _static(ghyaml.path(step.job, "strategy", "matrix"))
    if head == "inputs" and rest and step.job is not None:
        return not _typed_input(doc, rest.split(".")[0])
    if head == "env" and rest and depth < 4:
        node = ghyaml.env_value(doc, step, rest.split(".")[0])
        text = ghyaml.scalar(node)
        if text is None:
            return True
        return any(expression_untrusted(e, doc, step, depth + 1) for e in _expressions(text))
    return True


def expression_untrusted(expression: str, doc: Any, step: ghyaml.Step, depth: int = 0) -> list[str]:
    """The attacker-controlled paths of one expression (the whole text when it does not parse)."""
    found = sources(expression)
    if found is None:
        return [expression.strip()]
    return sorted(p for p in found if untrusted(p, doc, step, depth))


def known_values(expression: str, doc: Any, step: ghyaml.Step) -> list[str] | None:
    """The values an expression is known to take: its literals (``c && 'a' || 'b'``), or those
    of a bare ``matrix.X``, ``inputs.X`` (its default) or ``env.X`` written in the file.

    None when unknown. Used to tell whether the script relied on the shell to expand the value.
    """
    literal = literal_values(expression)
    if literal is not None:
        return literal
    text = expression.strip()
    head, _, name = text.partition(".")
    if not re.fullmatch(r"[A-Za-z_][\w-]*", name or "-"):
        return None
    if head == "matrix":
        matrix = ghyaml.path(step.job, "strategy", "matrix")
        if not _static(matrix):
            return None
        found = [ghyaml.scalar(v) for v in _values_under(matrix, name)]
        return [v for v in found if v is not None] or None
    if head == "inputs":
        spec = ghyaml.path(doc, "inputs", name)
        if spec is None:
            spec = ghyaml.path(ghyaml.get(doc, "on"), "workflow_call", "inputs", name)
        default = ghyaml.scalar(ghyaml.get(spec, "default"))
        return [default] if default else None
    if head == "env":
        value = ghyaml.scalar(ghyaml.env_value(doc, step, name))
        return [value] if value is not None else None
    return None


def _values_under(node: Any, key: str) -> list[Any]:
    out: list[Any] = []
    for k, v in ghyaml.items(node):
        if k == key:
            out.extend(ghyaml.seq(v) or [v])
        elif k in ("include", "exclude"):
            for entry in ghyaml.seq(v):
                out.extend(_values_under(entry, key))
    return out

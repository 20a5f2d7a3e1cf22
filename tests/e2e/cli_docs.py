"""procsnoop's command line read two ways: from --help of the binary, and from the roff of a
man page (its definition lists and its text). The man page and completion tests compare them.

An option is a pair (name, takes_value): ("--pid", True), ("-x", False).
"""
import re
import subprocess

from harness import PROCSNOOP

# Every command whose --help is its own: None is procsnoop without one (its common options).
COMMANDS = [None, "sig", "open", "exec", "exit", "run"]


def help_text(command, binary=PROCSNOOP):
    args = [binary] + ([command] if command else []) + ["--help"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    return p.stdout


def _option_group(head):
    """'-p, --pid=PID' or '-c COMM' or '--count[=BOOL]': the names and whether they take a value."""
    names, takes = [], False
    for part in head.split(", "):
        m = re.fullmatch(r"(--?[^\s=\[]+)(.*)", part.strip())
        if not m:
            raise ValueError(f"not an option: {part!r} in {head!r}")
        names.append(m.group(1))
        takes |= bool(m.group(2).strip())
    return {(n, takes) for n in names}


def help_options(command, binary=PROCSNOOP):
    """The options `procsnoop [COMMAND] --help` lists (argp: from column 2 or 6)."""
    found = set()
    for line in help_text(command, binary).splitlines():
        m = re.match(r"^(?:  |      )(-\S.*?)(?:\s{2,}|$)", line)
        if m:
            found |= _option_group(m.group(1))
    return found


def commands_in_help(binary=PROCSNOOP):
    """The commands `procsnoop --help` names under 'Commands'."""
    text = help_text(None, binary)
    block = text.split("Commands", 1)[1]
    return re.findall(r"^  (\w+) ", block, re.M)


def roff_text(line):
    """A roff text line as a reader sees it: no font changes, no escapes."""
    line = re.sub(r"\\f[BIRP]|\\f\(..|\\f\[[^]]*\]", "", line)
    line = line.replace("\\&", "").replace("\\-", "-").replace("\\(aq", "'")
    line = line.replace("\\e", "\\").replace("\\\\", "\\")
    return line


def man_sections(path):
    """{(SECTION, SUBSECTION or None): [term, ...]}: each term is the text line that heads an
    indented paragraph (.RS right after it), as scdoc writes a definition list."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    sections, sh, ss = {}, None, None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            sh, ss = line[4:].strip().strip('"'), None
        elif line.startswith(".SS "):
            ss = line[4:].strip().strip('"')
        elif not line.startswith(".") and i + 1 < len(lines) and lines[i + 1].startswith(".RS"):
            sections.setdefault((sh, ss), []).append(roff_text(line).strip())
    return sections


def man_text(path, section, subsection=None):
    """The text of a section (or of one of its subsections), without roff requests."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    out, sh, ss = [], None, None
    for line in lines:
        if line.startswith(".SH "):
            sh, ss = line[4:].strip().strip('"'), None
        elif line.startswith(".SS "):
            ss = line[4:].strip().strip('"')
        elif sh == section and (subsection is None or ss == subsection) and \
                not line.startswith("."):
            out.append(roff_text(line))
    return "\n".join(out)


def man_options(path, section):
    """The options the terms of SECTION (and of its subsections) document."""
    found = set()
    for (sh, _), terms in man_sections(path).items():
        if sh != section:
            continue
        for term in terms:
            if term.startswith("-"):
                found |= _option_group(term)
    return found


def describe(options):
    return ", ".join(n + (" VALUE" if v else "") for n, v in sorted(options)) or "none"

"""The man pages and the binary agree: every option --help lists is documented, every option
documented is accepted, every command and output field is there, and groff reads them cleanly."""
import os
import re
import subprocess

from cli_docs import (COMMANDS, commands_in_help, describe, help_options, man_options,
                      man_sections, man_text)
from harness import BUILD, PROCSNOOP, Trace

MAN = os.path.join(BUILD, "man")
PAGE = os.path.join(MAN, "procsnoop.8")
RUN_PAGE = os.path.join(MAN, "procsnoop-run.8")
TRACERS = ["sig", "open", "exec", "exit"]
# The table columns each tracer can show, with the options that switch all of them on.
ALL_COLUMNS = {None: [], "sig": ["--containers"], "open": ["-T", "-U", "-e", "--containers"],
               "exec": ["-T", "-t", "-U", "--containers"], "exit": ["-t", "--containers"]}


def documented(command):
    """The options the man pages document for COMMAND: procsnoop(8)'s OPTIONS and the
    command's own section, or procsnoop-run(8)'s OPTIONS."""
    if command == "run":
        return man_options(RUN_PAGE, "OPTIONS")
    opts = man_options(PAGE, "OPTIONS")
    if command:
        own = man_options(PAGE, f"{command.upper()} OPTIONS")
        assert own, f"procsnoop(8) has no {command.upper()} OPTIONS section"
        opts |= own
    return opts


def accepted_by_parsing(command, name, takes_value):
    """An option --help does not list (argp hides it) is accepted when argp parses it ahead of
    --help: an unknown option ends the parse with status 2 before --help is seen. In POSIX
    order, so that a value given to an option that takes none stops the parse too."""
    args = [PROCSNOOP] + ([command] if command else []) + [name] + (["x"] if takes_value else [])
    p = subprocess.run(args + ["--help"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, POSIXLY_CORRECT="1"))
    return p.returncode == 0


def test_manpage_options_match_help():
    problems = []
    for command in COMMANDS:
        label = "procsnoop" + (f" {command}" if command else "")
        page = "procsnoop-run(8)" if command == "run" else "procsnoop(8)"
        listed, doc = help_options(command), documented(command)
        undocumented = listed - doc
        unknown = {(n, v) for n, v in doc - listed if not accepted_by_parsing(command, n, v)}
        if undocumented:
            problems.append(f"{label} --help lists options {page} does not document: "
                            f"{describe(undocumented)}")
        if unknown:
            problems.append(f"{page} documents options {label} does not accept (or not so): "
                            f"{describe(unknown)}")
    assert not problems, "\n".join(problems)


def test_manpage_option_parsers_see_options():
    """The comparison above is only as good as its parsers: both sides find the options
    everyone knows, with and without values."""
    for side in (help_options("exec"), documented("exec")):
        for opt in [("-p", True), ("--pid", True), ("-x", False), ("--fails", False),
                    ("--max-args", True), ("--metrics", True), ("-?", False), ("-V", False)]:
            assert opt in side, (opt, describe(side))
    assert ("--event-type", True) in documented("run")


def test_manpage_names_every_command():
    terms = man_sections(PAGE)[("COMMANDS", None)]
    assert sorted(terms) == sorted(commands_in_help() + ["run"]), terms
    synopsis = man_text(PAGE, "SYNOPSIS")
    assert "procsnoop run" in synopsis and "[COMMAND...]" in synopsis, synopsis


def test_manpage_names_every_table_column():
    """Each tracer's table header, with every column its options switch on, and the stream's."""
    text = man_text(PAGE, "OUTPUT", "The table")
    for command, extra in ALL_COLUMNS.items():
        args = ([command] if command else []) + extra + ["-d", "0.2", "--comm", "no-such-comm"]
        p = subprocess.run([PROCSNOOP, *args], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (args, p.stderr)
        header = p.stdout.splitlines()[0].split()
        missing = [c for c in header if not re.search(r"(?<![\w(])" + re.escape(c) + r"(?![\w(])",
                                                       text)]
        assert not missing, f"procsnoop(8) OUTPUT does not name {command} columns {missing}"


def test_manpage_names_every_json_field():
    """The keys of real events of every tracer (a child that execs, opens, exits and so
    raises SIGCHLD) are all in procsnoop(8)'s JSON subsection."""
    text = man_text(PAGE, "OUTPUT", "JSON")
    with Trace("--ppid", str(os.getpid())) as tr:
        subprocess.run(["/bin/true"], check=True)
        events = tr.wait_for(lambda e: e["type"] == "exit", timeout=10)
        tr.wait_for(lambda e: e["type"] == "sig", timeout=10)
        events = tr.events()
        tr.stop()
    seen = {}
    for e in events:
        seen.setdefault(e["type"], set()).update(e)
    assert set(TRACERS) <= set(seen), sorted(seen)
    for kind, keys in seen.items():
        missing = sorted(k for k in keys if not re.search(r"\b" + re.escape(k) + r"\b", text))
        assert not missing, f"procsnoop(8) JSON does not name {kind} fields {missing}"


def test_manpages_render_cleanly():
    for page in (PAGE, RUN_PAGE):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0 and p.stderr == "", (page, p.stderr)
        with open(page) as f:
            th = next(l for l in f if l.startswith(".TH "))
        name = os.path.basename(page)[:-2]
        assert th.split()[1:3] == [f'"{name}"', '"8"'], th

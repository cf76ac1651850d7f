#!/usr/bin/env python3
"""Writes the man page of one domino command from its --help (meson builds one per command).

usage: man.py DOMINO COMMAND OUT   (COMMAND "" for domino(1) itself)

--help is the one description of a command's options; the page is that text in man's
sections: the usage line becomes SYNOPSIS, its line in `domino --help` NAME, each
"name:" heading a section, and each "  -x, --xyz ARG   text" line a tagged paragraph."""
import re
import subprocess
import sys


def esc(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text)


def main():
    domino, cmd, out = sys.argv[1], sys.argv[2], sys.argv[3]
    args = [domino] + ([cmd] if cmd else []) + ["--help"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    version = subprocess.run([domino, "--version"], capture_output=True, text=True, check=True).stdout.split("\n")[0]
    name = "domino" + ("-" + cmd if cmd else "")
    paras = re.split(r"\n\s*\n", text.strip("\n"))
    usage = paras.pop(0)
    usage = re.sub(r"^usage:\s*", "", usage)
    # NAME: the command's line in `domino --help`'s list of commands
    first = "simulates how an outage in one critical-infrastructure sector spreads to the others"
    if cmd:
        main_help = subprocess.run([domino, "--help"], capture_output=True, text=True, check=True).stdout
        lines = main_help.split("\n")
        for i, line in enumerate(lines):
            if re.match(r"^  " + re.escape(cmd) + r"\b", line):
                m = re.match(r"^  \S.*? {2,}(\S.*)$", line)
                words = [m.group(1)] if m else []
                for more in lines[i + 1:]:  # the description's continuation lines
                    if not more.startswith("      "):
                        break
                    words.append(more.strip())
                first = " ".join(words).split(";")[0]
                break
    page = [f'.TH {name.upper()} 1 "" "{esc(version)}" "domino manual"',
            ".SH NAME", f"{name} \\- {esc(first[0].lower() + first[1:])}",
            ".SH SYNOPSIS", ".nf", esc(usage), ".fi", ".SH DESCRIPTION"]
    section = None
    for para in paras:
        lines = para.split("\n")
        head = re.match(r"^([A-Za-z][\w ,/()-]*):\s*$", lines[0])
        if head:
            section = head.group(1).upper()
            page.append(f".SH {esc(section)}")
            lines = lines[1:]
        tagged = False
        for line in lines:
            m = re.match(r"^ {1,4}(\S.*?)(?: {2,}(\S.*))?$", line)
            if m and (m.group(1).startswith("-") or section in ("COMMANDS",)) and not line.startswith("      "):
                page += [".TP", f"\\fB{esc(m.group(1))}\\fR"]
                if m.group(2):
                    page.append(esc(m.group(2)))
                tagged = True
            elif tagged and line.startswith(" "):
                page.append(esc(line.strip()))
            else:
                if tagged:
                    page.append(".PP")
                    tagged = False
                page.append(esc(line.strip()))
        page.append(".PP")
    page += [".SH SEE ALSO", "domino(1), the documentation in /usr/share/doc/domino and docs/ of the source"]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()

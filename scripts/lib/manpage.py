#!/usr/bin/env python3
"""Writes jobrun's man page (roff, section 1) from the command definitions the binary describes itself.

Usage: jobrun --experimental-dump-help | manpage.py > jobrun.1

The argument parser describes every command, option and flag as JSON; this turns that description into a page with
one section per subcommand, so the page always matches the binary it came from.
"""

import datetime
import json
import sys


def roff(text):
    """Text safe for roff: backslashes and leading dots or quotes escaped."""
    text = (text or "").replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def names(argument):
    parts = []
    for name in argument.get("names", []):
        prefix = "-" if name["kind"] == "short" else "--"
        parts.append("\\fB" + roff(prefix + name["name"]) + "\\fR")
    return ", ".join(parts)


def describe(argument):
    """The .TP entry of one argument, or None for hidden ones."""
    if not argument.get("shouldDisplay", True):
        return None
    value = roff(argument.get("valueName", ""))
    if argument["kind"] == "positional":
        head = "\\fI" + value + "\\fR" + (" ..." if argument.get("isRepeating") else "")
    elif argument["kind"] == "option":
        head = names(argument) + " \\fI" + value + "\\fR"
    else:
        head = names(argument)
    body = roff(argument.get("abstract", ""))
    if argument.get("defaultValue") not in (None, ""):
        body += " (default: " + roff(str(argument["defaultValue"])) + ")"
    if argument.get("discussion"):
        discussion = argument["discussion"]
        if isinstance(discussion, str):
            body += "\n" + roff(discussion)
    return ".TP\n" + head + "\n" + body


def synopsis(command, path):
    parts = ["\\fB" + roff(" ".join(path)) + "\\fR"]
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True) or argument["kind"] == "flag":
            continue
        if argument["kind"] == "positional":
            item = "\\fI" + roff(argument.get("valueName", "")) + "\\fR"
            if argument.get("isRepeating"):
                item += " ..."
            parts.append("[" + item + "]" if argument.get("isOptional") else item)
    parts.append("[\\fIoptions\\fR]")
    return " ".join(parts)


def main():
    tool = json.load(sys.stdin)["command"]
    name = tool["commandName"]
    today = datetime.date.today().isoformat()
    out = [
        '.TH %s 1 "%s" "%s" "User Commands"' % (name.upper(), today, name),
        ".SH NAME",
        "%s \\- %s" % (roff(name), roff(tool.get("abstract", ""))),
        ".SH SYNOPSIS",
        "\\fB%s\\fR \\fIcommand\\fR [\\fIoptions\\fR]" % roff(name),
    ]
    if tool.get("discussion"):
        out += [".SH DESCRIPTION", roff(tool["discussion"])]
    general = [entry for entry in map(describe, tool.get("arguments", [])) if entry]
    if general:
        out += [".SH OPTIONS"] + general
    out.append(".SH COMMANDS")
    for command in tool.get("subcommands", []):
        if not command.get("shouldDisplay", True) or command["commandName"] == "help":
            continue
        out += [".SS " + roff(name + " " + command["commandName"]), roff(command.get("abstract", "")), ".PP",
                synopsis(command, [name, command["commandName"]])]
        if command.get("discussion"):
            out += [".PP", roff(command["discussion"])]
        out += [entry for entry in map(describe, command.get("arguments", [])) if entry]
    out += [".SH SEE ALSO", "The README in jobrun's source tree: task files, settings, workflows, clusters and metrics."]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

"""Write every role's full variable table into its README from
meta/argument_specs.yml, between the markers
<!-- BEGIN VARIABLES --> and <!-- END VARIABLES -->.

    python3 tools/role-docs.py           rewrite the READMEs
    python3 tools/role-docs.py --check   exit 1 when a README is out of date
"""

import pathlib
import re
import sys

import yaml

ROLES = pathlib.Path(__file__).resolve().parent.parent / "roles"
BEGIN, END = "<!-- BEGIN VARIABLES -->", "<!-- END VARIABLES -->"


def cell(value):
    """Markdown table cell: ansible-doc's C()/O() markup as code, pipes escaped."""
    text = re.sub(r"\b[CO]\(([^)]*)\)", r"`\1`", str(value))
    return text.replace("|", "\\|").replace("\n", " ")


def table(role):
    spec = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for name, option in spec.items():
        shown = yaml.safe_dump(option.get("default"), default_flow_style=True).strip().removesuffix("...").strip()
        default = "required" if option.get("required") else "`%s`" % cell(shown)
        description = option["description"]
        description = " ".join(description) if isinstance(description, list) else description
        lines.append("| `%s` | %s | %s | %s |" % (name, option.get("type", "str"), default, cell(description)))
    return "\n".join(lines)


def render(readme, role):
    text = readme.read_text()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + BEGIN + "\n" + table(role) + "\n" + END + tail


def main(check):
    stale = []
    for role in sorted(p for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists()):
        readme = role / "README.md"
        new = render(readme, role)
        if new != readme.read_text():
            stale.append(readme)
            if not check:
                readme.write_text(new)
    if check and stale:
        print("out of date (run python3 tools/role-docs.py): %s" % ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))

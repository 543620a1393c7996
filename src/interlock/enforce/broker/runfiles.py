"""Files a program reads as its program text without naming them on the command line (data).

`make` runs the recipes in ./Makefile, `npm test` the scripts in ./package.json: the broker
binds these files' contents into the approval like a script named on the command line. Every
candidate name is bound, present or absent, so a file that appears later voids an approval too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunnerFiles:
    names: tuple[str, ...]             # looked up in the working directory
    dir_flags: tuple[str, ...] = ()    # change the working directory first (`make -C DIR`)
    file_flags: tuple[str, ...] = ()   # name the file instead (`make -f FILE`)


_MAKE = RunnerFiles(("GNUmakefile", "makefile", "Makefile"), ("-C", "--directory"),
                    ("-f", "--file", "--makefile"))
_NODE = RunnerFiles(("package.json",), ("--prefix", "-C", "--cwd", "--dir"), ())

RUNNER_FILES: dict[str, RunnerFiles] = {
    "make": _MAKE, "gmake": _MAKE,
    "just": RunnerFiles(("justfile", "Justfile", ".justfile"), ("-d", "--working-directory"),
                        ("-f", "--justfile")),
    "rake": RunnerFiles(("Rakefile", "rakefile", "Rakefile.rb"), ("-C", "--directory"),
                        ("-f", "--rakefile")),
    "task": RunnerFiles(("Taskfile.yml", "Taskfile.yaml", "taskfile.yml"), ("-d", "--dir"),
                        ("-t", "--taskfile")),
    "npm": _NODE, "yarn": _NODE, "pnpm": _NODE, "bun": _NODE,
    "tox": RunnerFiles(("tox.ini", "pyproject.toml", "setup.cfg"), (), ("-c",)),
    "nox": RunnerFiles(("noxfile.py",), (), ("-f", "--noxfile")),
    "invoke": RunnerFiles(("tasks.py",), (), ("-c", "--collection")),
    "docker-compose": RunnerFiles(("compose.yaml", "compose.yml", "docker-compose.yml",
                                   "docker-compose.yaml"), ("--project-directory",),
                                  ("-f", "--file")),
}

"""The build step pyproject.toml cannot express: the repository's params.yaml and themes.yaml ship inside
the package (pipeline/packaged/), so an installed `complaints` has its defaults wherever it runs.

They stay at the top of the repository, where an analyst reading it looks for them; the package finds
them there in a source checkout (pipeline/defaults.py).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DEFAULT_FILES = ("params.yaml", "themes.yaml")


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "pipeline" / "packaged"
        self.mkpath(str(target))
        for name in DEFAULT_FILES:
            self.copy_file(name, str(target / name))


setup(cmdclass={"build_py": BuildWithDefaults})

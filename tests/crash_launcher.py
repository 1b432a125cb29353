"""Run a site process (gunicorn or manage.py) that is killed with SIGKILL at an exact moment:
when it is about to move a finished file into place under a name matching CRASH_AT (a regular
expression), i.e. after writing the temp file beside it and before the rename.

    CRASH_AT='/upload$' python tests/crash_launcher.py -m gunicorn -c gunicorn.conf.py ...
    CRASH_AT='/cutout\\.png$' python tests/crash_launcher.py manage.py worker

The kill is real (the process gets no chance to clean up, as with kill -9 from outside or the
OOM killer); only its moment is chosen, so tests/test_crash_audit.py can check what each
moment leaves behind. gunicorn's workers are forked from the master and inherit the hook.
"""

from __future__ import annotations

import os
import re
import runpy
import signal
import sys

PATTERN = re.compile(os.environ["CRASH_AT"])
_replace = os.replace


def _replace_or_die(src, dst, *args, **kwargs):
    if PATTERN.search(os.fspath(dst)):
        os.kill(os.getpid(), signal.SIGKILL)
    return _replace(src, dst, *args, **kwargs)


os.replace = _replace_or_die
sys.path[0] = os.getcwd()  # the repository (the site's processes start there), not tests/
if sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")

"""``python -m workflow.audit_verifier WITNESS_FOLDER EXPORT [--event SEQ]... [--json]``

Exit 0: the log extends every checkpoint the body cosigned, and every check passed.
Exit 1: it does not, or a check failed (each problem is printed). Exit 2: bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from workflow.audit_verifier.verify import read_export, verdict, verify
from workflow.audit_verifier.witness import WitnessFolder
from workflow.domain.signed_note import NoteError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workflow.audit_verifier",
        description="Check an exported audit log against the checkpoints a body cosigned.",
    )
    parser.add_argument("folder", type=Path, help="the body's witness folder")
    parser.add_argument("export", type=Path, help="a file written by `cjji audit export`")
    parser.add_argument(
        "--event", type=int, action="append", default=[], help="prove this event included"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    args = parser.parse_args(argv)
    try:
        report = verify(WitnessFolder(args.folder), read_export(args.export), args.event)
    except (OSError, ValueError, NoteError) as error:
        print(f"audit_verifier: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**report.as_dict(), "verdict": verdict(report)}, indent=2))
    else:
        for line in report.lines:
            print(f"ok      {line}")
        for line in report.problems:
            print(f"PROBLEM {line}")
        print(verdict(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

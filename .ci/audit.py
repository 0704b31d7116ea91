"""make audit: known vulnerabilities in the locked dependencies (requirements-dev.lock, which
holds requirements.lock's too), through pip-audit.

pip-audit exits 0 with "No known vulnerabilities found" even when its advisory source answered
for no package at all (each "could not be audited"), and a source it cannot reach ends in a
traceback. Neither is a pass here: this says plainly "advisory source unreachable: NOT audited"
and fails (exit 2); only a run that audited every locked package passes."""

import json
import subprocess  # nosec B404  # runs pip-audit, from this venv, with fixed arguments
import sys
import tempfile
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements-dev.lock"
NOT_AUDITED = 2


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [
            *(sys.executable, "-m", "pip_audit", "--requirement", str(LOCK), "--require-hashes"),
            *("--disable-pip", "--progress-spinner", "off", "--timeout", "20"),
            *("--format", "json", "--output", str(report)),
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # fixed arguments
        found = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if found is None:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"make audit: advisory source unreachable: NOT audited ({last})", file=sys.stderr)
        return NOT_AUDITED
    skipped = [d for d in found["dependencies"] if "skip_reason" in d]
    vulnerable = [d for d in found["dependencies"] if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln["fix_versions"]) or "no fixed version yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if skipped:
        print(
            f"make audit: advisory source unreachable: NOT audited ({len(skipped)} of "
            f"{len(found['dependencies'])} locked packages unanswered, e.g. {skipped[0]['name']}: "
            f"{skipped[0]['skip_reason']})",
            file=sys.stderr,
        )
        return NOT_AUDITED
    if vulnerable:
        print(f"make audit: {len(vulnerable)} locked package(s) with known vulnerabilities", file=sys.stderr)
        return 1
    print(f"make audit: all {len(found['dependencies'])} locked packages audited, no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())

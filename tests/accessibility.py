"""axe-core (npm) run inside the real browser page: the accessibility check of every page test."""
from __future__ import annotations

import json
from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.1 A/AA and the AA rules WCAG 2.2 adds (target size: a link or button at least 24 px, or
# that far from the next).
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


def axe_violations(driver, impacts=BLOCKING, tags=TAGS) -> list[dict]:
    """Violations of WCAG A/AA rules (``tags``) at the given impacts, as axe reports them."""
    assert AXE.is_file(), f"{AXE} missing: run scripts/test (it runs 'npm ci' for axe-core)"
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(JSON.stringify(r.violations)))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));",
        list(tags))
    violations = json.loads(result)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]}
            for v in violations if v["impact"] in impacts]

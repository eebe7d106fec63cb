"""Issue 15.6: what officers read cites documents; the rules digest it points to ships with the product."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.sectors import SECTOR_NAMES
from responders.rules.profile import DIGEST, NATIONAL_CITATIONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_every_citation_of_the_digest_names_a_rule_the_digest_explains():
    text = DOCS.read_text(encoding="utf-8")
    assert text.startswith("# " + DIGEST.strip("《》"))
    cited = [rule for rule, source in NATIONAL_CITATIONS.items() if source.startswith(DIGEST)]
    assert cited, "the edge-case rules cite the digest"
    for rule in cited:
        assert re.search(rf"\| {rule} \|", text), f"{rule} is cited but not in docs/rules.md"
    assert not any("RULES.md" in source for source in NATIONAL_CITATIONS.values())


def test_the_digest_lists_every_sector_code_with_its_name():
    text = DOCS.read_text(encoding="utf-8")
    for code, name in SECTOR_NAMES.items():
        assert re.search(rf"`{code}` \| {name}", text), code


def test_the_readme_cites_only_files_the_repository_ships():
    readme = (DOCS.parents[1] / "README.md").read_text(encoding="utf-8")
    for name in ("RULES.md", "ORG.md", "CONTRACT.md"):
        assert name not in readme, name

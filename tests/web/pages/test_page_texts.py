"""Every word the work pages show exists in English and Traditional Chinese: the keys their templates
name, and the keys they build from a state (done messages, job states, run stages, report formats)."""

from __future__ import annotations

import re
from pathlib import Path

from ccaudit.reports.generate import FORMATS
from ccaudit.web.i18n import Texts
from ccaudit.web.routes import requirement, review

TEMPLATES = Path(requirement.__file__).parents[1] / "templates" / "pages"
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")


def test_every_key_the_pages_use_has_both_languages() -> None:
    texts = Texts.load()
    used = {key for path in TEMPLATES.glob("*.html") for key in KEY.findall(path.read_text(encoding="utf-8"))
            if not key.endswith("_")}  # a prefix: its keys are built below
    built = {f"pg_done_{d}" for d in (*requirement.DONE, *review.DONE, "removed")}
    built |= {f"pg_job_{s}" for s in ("queued", "running", "done", "failed")}
    built |= {f"pg_stage_{s}" for s in ("import", "checks", "other")} | {f"pg_format_{f}" for f in FORMATS}
    missing = sorted(k for k in used | built if k not in texts.entries)
    assert not missing, missing
    for key in used | built:
        en, zh = texts.say(key, "en"), texts.say(key, "zh-TW")
        assert en.strip() and zh.strip() and (en != zh or key == "pg_other_language"), key

"""How long `ccaudit policies scan` takes on a large set of policy documents, by stage.

    .venv/bin/python bench/run_policies_bench.py [--docs 40] [--paragraphs 250] [--pdf-pages 0]

Writes synthetic Markdown documents (Traditional Chinese and English paragraphs, a few that cover
topics, most that do not), optionally one PDF of --pdf-pages pages (WeasyPrint), then times: text
extraction, the matching query (passages x phrases), and the whole scan. Prints the figures; asserts
nothing (speed belongs here, not in unit tests)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from ccaudit.policies.coverage import match
from ccaudit.policies.extract import Limits, extract
from ccaudit.policies.scan import scan
from ccaudit.policies.topics import load_rules, phrase_rows
from ccaudit.settings import Settings

FILLER_ZH = "本公司各單位應依職掌辦理相關作業，並留存紀錄以備查核人員檢視，如有疑義應洽權責單位確認後辦理。"
FILLER_EN = ("Each department carries out the related work according to its duties and keeps records for review; "
             "questions go to the responsible unit before anything is done.")
COVERING = ["雲端資料應每日備份，並保存異地備份。", "核心系統之復原時間目標（RTO）為四小時。",
            "Employees request a company mobile device with the IT request form.",
            "Default passwords of IoT equipment are changed before the device is connected."]


def write_docs(root: Path, docs: int, paragraphs: int, rng: random.Random) -> list[Path]:
    paths = []
    for d in range(docs):
        lines = []
        for p in range(paragraphs):
            if rng.random() < 0.02:
                lines.append(rng.choice(COVERING))
            else:
                lines.append(f"第{p + 1}條 " + FILLER_ZH if d % 2 else f"Article {p + 1}. " + FILLER_EN)
        path = root / f"policy_{d:03d}.md"
        path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--paragraphs", type=int, default=250)
    parser.add_argument("--pdf-pages", type=int, default=0)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = write_docs(root, args.docs, args.paragraphs, random.Random(2026))
        if args.pdf_pages:
            from weasyprint import HTML

            body = "".join(f'<p style="page-break-before: always">{FILLER_ZH * 6}</p><p>{FILLER_EN * 3}</p>'
                           for _ in range(args.pdf_pages))
            started = time.perf_counter()
            HTML(string=f"<html><body>{body}</body></html>").write_pdf(root / "big.pdf")
            print(f"PDF of {args.pdf_pages} pages written in {time.perf_counter() - started:.1f} s (not timed below)")
            paths.append(root / "big.pdf")
        limits = Limits.of(settings)
        started = time.perf_counter()
        texts = [extract(p, p.name, limits) for p in paths]
        extract_s = time.perf_counter() - started
        passages = sum(len(t.passages) for t in texts)
        rules = load_rules()
        phrases = phrase_rows(rules)
        started = time.perf_counter()
        match([t.passages for t in texts], rules, phrases)
        match_s = time.perf_counter() - started
        started = time.perf_counter()
        scan(paths, root / "out", settings, as_of=dt.date(2026, 11, 30))
        scan_s = time.perf_counter() - started
    print(f"documents {len(paths)}, passages {passages:,}, phrases {len(phrases)}")
    print(f"extract {extract_s:.2f} s, match {match_s:.2f} s ({passages * len(phrases) / max(match_s, 1e-9):,.0f} "
          f"passage-phrase pairs/s), whole scan {scan_s:.2f} s")


if __name__ == "__main__":
    main()

"""What `probe pages` reads as a page's firm name and contact methods (no browser, no network)."""

from __future__ import annotations

import pytest

from ccaudit.errors import EvidenceError
from ccaudit.probes.pagetext import decode, extract, find_contacts, find_name, name_forms, website_hosts

FORMS = name_forms(["範例證券股份有限公司", "Example Securities Co., Ltd."])


@pytest.mark.parametrize("text", ["範例證券股份有限公司", "範 例 證 券", "ＥＸＡＭＰＬＥ　ＳＥＣＵＲＩＴＩＥＳ",
                                  "example-securities", "Example Securities Co.,Ltd", "範<b>例</b>證券"])
def test_the_name_is_found_in_its_written_forms(text: str) -> None:
    assert find_name(extract(f"<p>{text}</p>"), FORMS) is not None


@pytest.mark.parametrize("text", ["範例投信", "Example Bank", "證券"])
def test_another_name_is_not_the_firm(text: str) -> None:
    assert find_name(extract(f"<p>{text}</p>"), FORMS) is None


def test_contacts_in_text_links_and_meta_but_not_in_scripts() -> None:
    page = extract("""<html><head><meta name="description" content="客服 0800-000-123"></head><body>
        <p>Tel: +886 2 2345 6789</p><p>No. 100, Sec. 1, Chongqing S. Rd., Taipei</p>
        <a href="mailto:ir@example.com.tw?subject=hi">IR</a><a href="tel:+886-2-2345-0000">call</a>
        <p>官網 www.example.com.tw</p><script>var fax = '02-9999-9999'</script></body></html>""")
    found = find_contacts(page, website_hosts(["https://www.example.com.tw/"]))
    assert found == ["e-mail: ir@example.com.tw", "phone: +886-2-2345-0000", "phone: 0800-000-123",
                     "phone: +886 2 2345 6789", "address: No. 100, Sec. 1, Chongqing S. Rd",
                     "website: www.example.com.tw"]


def test_dates_amounts_and_other_sites_are_not_contacts() -> None:
    page = extract("<p>2026-11-30 成交 1,234,567 元，民國113年5月15日；https://www.facebook.com/example</p>")
    assert find_contacts(page, website_hosts(["https://www.example.com.tw/"])) == []


def test_encodings_of_a_saved_page() -> None:
    big5 = "<meta charset=big5>範例證券".encode("cp950")
    assert decode(big5, "a.html") == ("<meta charset=big5>範例證券", "cp950")
    assert decode("範例證券".encode("cp950"), "b.html")[1] == "cp950"  # no charset: UTF-8 fails, Big5 reads
    assert decode(b"\xef\xbb\xbf<p>x</p>", "c.html") == ("<p>x</p>", "utf-8-sig")
    with pytest.raises(EvidenceError, match=r"d.html: not a readable saved page \(declared charset 'x-nonsense'"):
        decode(b"<meta charset=x-nonsense>\xff\xfe\x81", "d.html")

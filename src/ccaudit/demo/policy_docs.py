"""The demo firm's policy documents themselves (DIR/policies/), for `ccaudit policies scan`: one document per
row of its policy_documents register, with an article for each topic the register says it covers, in
the formats firms hand in (DOCX, ODT, Markdown, Big5 text).

One discrepancy is deliberate: the register says the cloud operation security rule (POL-CLD-01) covers
`audit`, but the document has no article on auditing providers, so the scan proposes "not found" for it
where the register-based check saw nothing wrong (what reading the documents is for)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

NOT_WRITTEN = {("POL-CLD-01", "audit")}  # claimed by the register, missing from the document

ARTICLES: dict[str, str] = {
    # 12.1.1 cloud user
    "provider_selection": "選擇雲端服務提供者時，應依供應商評估表辦理評選，評估其資安能力、財務狀況及服務實績，"
                          "並經資安長核定。",
    "audit": "本公司每年對雲端服務提供者執行查核措施，並取得第三方稽核報告（如 SOC 2 報告）。",
    "backup": "雲端資料應每日備份，並保存異地備份至少一份；每半年測試還原一次。",
    "service_level": "服務水準應載明於合約，包括可用率不低於百分之九十九點九及事件通報時限。",
    "security_protection": "雲端服務之資訊安全防護應包括加密、存取控制及日誌監控。",
    "recovery_time": "核心系統之復原時間目標（RTO）不得超過四小時，其餘系統不得超過二十四小時。",
    "compensating_measures": "雲端服務提供者未能符合前述要求者，應訂定補償性措施，經資安長核准並定期檢視。",
    # 12.1.2 cloud provider
    "legal_compliance": "提供雲端服務應遵循個人資料保護法及主管機關相關法令，法令遵循情形每年檢視。",
    "access_control": "客戶環境之權限控管採角色授權，管理權限之申請須經雙重核准。",
    "responsibilities": "本公司與客戶之權責劃分載明於服務契約之責任分工表。",
    "encrypted_transmission": "傳輸敏感資訊時，應使用 HTTPS、SFTP 等加密通訊協定。",
    # 12.3.1 company mobile devices
    "request": "員工因業務需要使用公務行動裝置者，應填具申請單經主管核准後向資訊部申請。",
    "use": "公務行動裝置僅得用於公務，其使用規定另見附件一。",
    "replacement": "公務行動裝置損壞、遺失或使用逾四年者，得申請更換。",
    "return": "員工離職或調職時，應將公務行動裝置繳回資訊部並辦理清除。",
    "reset_on_user_change": "公務行動裝置更換使用者前，資訊部應清除原有設定並重新設定。",
    "approved_apps": "公務行動裝置僅得安裝官方或經資訊部測試核准之應用程式。",
    # 12.3.2 own devices
    "permitted_purposes": "員工自有行動裝置僅得用於收發公務電子郵件及行事曆，不得存取交易系統。",
    "agreement": "使用自有行動裝置處理公務之員工，應先簽署使用同意書。",
    "liabilities": "同意書應載明使用限制及雙方責任，員工違反者應負損害賠償責任。",
    "tethering": "禁止以自有行動裝置之行動熱點或網路分享功能，使內部資訊設備連接網際網路。",
    # 12.2.1 social media
    "shareable_business_info": "員工於社群媒體分享業務資訊，以本公司已公開發布之業務資訊為限。",
    "personal_business_distinction": "員工應區分個人帳號與公務帳號，個人用途之社群媒體不得以公司名義發言。",
    # 12.2.3 official pages
    "privacy_policy_review": "每年檢視各社群平台隱私權政策之變更並評估風險，檢視結果陳報資安長。",
    "leave_notice": "官方網站連結至社群媒體時，應跳出提示視窗告知使用者即將離開本公司網站。",
    "page_identity": "官方粉絲專頁應載明公司名稱及客服專線等聯絡方式。",
    "account_authorization": "官方帳號之發文授權由公關部管理，發文前應經主管審核；"
                             "不當留言應於一個營業日內處理並通報。",
    # 12.4 IoT
    "inventory": "資訊部應建立物聯網設備管理清冊，並至少每年更新一次。",
    "default_passwords": "物聯網設備啟用前應變更出廠預設密碼。",
    "security_updates": "物聯網設備應每年至少執行一次安全更新；已知缺陷無法更新者，應建立補償性控制。",
    "network_services": "物聯網設備非必要之服務及連接埠應關閉，並置於獨立網段，不建議直接連接公眾網際網路。",
    "procurement": "採購物聯網設備之合約應納入資安條款，包括安全更新年限及主動通知漏洞之義務，"
                   "並優先採購取得資安標章之設備。",
    "training": "物聯網設備之使用及管理人員每年應參加資安教育訓練。",
    # 12.5 remote work
    "endpoint_security": "遠距辦公設備應安裝端點防護軟體並啟用應用程式控管。",
    "function_authority": "遠距辦公人員之系統功能權限依業務範圍核定。",
    "connection_hours": "遠端連線時段依職務訂定，交易人員僅得於營業日上午八時至下午六時連線。",
    "logging": "遠端登入、設備操作及交易紀錄應完整留存至少五年。",
    "mfa_secure_channel": "遠端連線應採多因子驗證（一次性密碼）並經加密之 VPN 通道。",
    "least_privilege": "遠端帳號之存取規則依最小權限原則訂定，並防範未經授權之連線。",
    "vpn_updates": "VPN 及遠端存取系統之安全控制措施應定期更新。",
    "client_data_protection": "遠距辦公時應保護客戶隱私及客戶資料之安全，禁止下載或列印客戶資料。",
    "awareness_training": "遠距辦公員工每年應完成資安警覺教育訓練。",
}
# articles a document has beyond the register's topic codes (the register lists only what its checks ask)
EXTRA: dict[str, tuple[str, ...]] = {
    "POL-CLD-01": ("compensating_measures",),
    "POL-CSP-01": ("encrypted_transmission",),
    "POL-MOB-01": ("reset_on_user_change", "approved_apps"),
}
FORMATS = ("docx", "odt", "md", "txt")


def write_policy_documents(folder: Path, register: Sequence[dict[str, Any]]) -> list[Path]:
    """One document per register row, named after its ID and title; the format rotates."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, row in enumerate(register):
        title = str(row["title"])
        version = row.get("version") or "1.0"
        blocks = [("h", title), ("p", f"第一條　本{title[-2:]}依本公司資通安全政策訂定，版次 {version}。")]
        n = 1
        for topic in [*row["topics"], *EXTRA.get(row["doc_id"], ())]:
            if (row["doc_id"], topic) in NOT_WRITTEN or topic not in ARTICLES:
                continue
            n += 1
            blocks.append(("p", f"第{_zh_number(n)}條　{ARTICLES[topic]}"))
        fmt = FORMATS[i % len(FORMATS)]
        path = folder / f"{row['doc_id']}_{row['title']}.{fmt}"
        _WRITERS[fmt](path, blocks)
        written.append(path)
    return written


def _zh_number(n: int) -> str:
    digits = "〇一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _docx(path: Path, blocks: list[tuple[str, str]]) -> None:
    import docx

    document = docx.Document()
    for kind, text in blocks:
        if kind == "h":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    document.save(str(path))


def _odt(path: Path, blocks: list[tuple[str, str]]) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    for kind, text in blocks:
        document.text.addElement(H(outlinelevel=1, text=text) if kind == "h" else P(text=text))
    document.save(str(path))


def _md(path: Path, blocks: list[tuple[str, str]]) -> None:
    path.write_text("\n\n".join(f"# {t}" if k == "h" else t for k, t in blocks) + "\n", encoding="utf-8")


def _txt(path: Path, blocks: list[tuple[str, str]]) -> None:
    path.write_bytes("\r\n\r\n".join(t for _, t in blocks).encode("cp950"))  # Big5, as Windows Notepad saves it


_WRITERS = {"docx": _docx, "odt": _odt, "md": _md, "txt": _txt}

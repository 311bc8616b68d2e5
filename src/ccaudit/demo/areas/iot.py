"""Demo evidence for the IoT area (Article 12.4), when the firm has IoT equipment.

The head-office inventory is an Excel workbook with Chinese headers, ROC dates and V/X marks, dated
in its file name (most rows carry no verification date of their own and take the file's); a branch
sends a Parquet extract whose file date is over a year old. Type baselines are a plain CSV, known
defects a Big5 CSV, procurement contracts an Excel sheet with Y/N, IoT training records an Excel
sheet with Chinese headers.

Planted gaps sit on distinct devices; everything else is clean noise chosen so that no check fails
on it: retired devices with every kind of gap, rows exactly on the 12-month boundary, a device
acquired the day before the window without a certification, contracts signed the day before the
window without terms, IoT staff no longer active without training.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Column, Style, roc

# (type, share, ports its function needs, vendors)
TYPES: list[tuple[str, float, list[str], list[str]]] = [
    ("ip_camera", 0.35, ["443", "554"], ["Vivotek", "Axis", "Hanwha"]),
    ("nvr", 0.05, ["443", "554", "8000"], ["Vivotek", "Synology"]),
    ("access_control", 0.15, ["443", "4070"], ["HID", "Suprema", "Soyal"]),
    ("printer_mfp", 0.20, ["443", "631", "9100"], ["Fuji Xerox", "Canon", "Ricoh"]),
    ("env_sensor", 0.12, ["8883"], ["Advantech", "研華"]),
    ("bms_controller", 0.05, ["47808", "443"], ["Siemens", "Honeywell"]),
    ("ups_card", 0.08, ["443", "161"], ["APC", "台達電"]),
]
NO_BASELINE_TYPE = ("meeting_display", ["443", "8008"], "Samsung")  # a type nobody wrote a baseline for
EXTRA_PORTS = ["23", "21", "80", "8080", "5555", "7547"]  # in no type's baseline
PROBE_CHECK = "iot_probed_ports_within_baseline"
PORT_SERVICES = {"443": "https", "554": "rtsp", "8000": "http", "4070": "other", "631": "ipp", "9100": "jetdirect",
                 "8883": "mqtts", "47808": "bacnet", "161": "snmp"}
# What a probe finds on a device with a gap: Telnet, an admin page known for a default log-in, a stray HTTP port.
PROBE_GAPS: list[tuple[str, str, dict[str, bool]]] = [
    ("23", "telnet", {"cleartext": True}), ("80", "http", {"default_login": True}), ("8080", "http", {}),
]
LOCATIONS = np.array(["台北總公司3F", "台北總公司5F", "台北總公司B1機房", "板橋分公司", "新竹分公司",
                      "台中分公司", "高雄分公司"])
CERTIFICATIONS = np.array(["IoT資安標章L1", "IoT資安標章L2", "IoT資安標章L3", "IEC 62443-4-2",
                           "ETSI EN 303 645"])
CONTROLS = np.array(["獨立VLAN並限制來源IP", "關閉遠端管理並由跳板機存取", "防火牆僅允許管理主機連線",
                     "加強監控並每月檢視日誌"])
SUPPLIERS = ["宏碁資訊", "精誠資訊", "中華電信", "大同世界科技", "聯強國際", "台灣大哥大", "神通資訊"]
TERMS = ("security_terms", "liabilities_defined", "service_warranty", "update_lifespan_defined",
         "vulnerability_notification", "response_measures")


def generate(ctx: FirmContext) -> None:
    if not ctx.in_scope("has_iot"):
        return
    _policies(ctx)
    admins = _admins(ctx)
    _inventory(ctx, admins)
    _contracts(ctx)
    _training(ctx)


def _window_start(ctx: FirmContext) -> dt.date:
    return ctx.as_of - relativedelta(months=12)


def _stamp(day: dt.date) -> str:
    return roc(day).replace("/", "")


def _policies(ctx: FirmContext) -> None:
    # Everything but procurement: the IoT rule says nothing about what to require of suppliers.
    ctx.policies.append({
        "doc_id": "POL-IOT-01", "title": "物聯網設備資訊安全管理規範", "policy_area": "iot",
        "topics": ["inventory", "default_passwords", "security_updates", "network_services", "training",
                   *([] if ctx.plants("iot_policy_established") else ["procurement"])],
        "version": "2.0", "approved_by": "總經理", "approved_on": ctx.days_before(640),
        "last_reviewed_on": ctx.days_before(75),
    })
    ctx.policies.append({
        "doc_id": "POL-IOT-02", "title": "物聯網設備網路區隔作業要點", "policy_area": "iot",
        "topics": ["network_services"], "version": "1.0", "approved_by": "資安長",
        "approved_on": ctx.days_before(300),
    })
    ctx.planted.fail("iot_policy_established", "procurement|")


def _admins(ctx: FirmContext) -> np.ndarray:
    role = ctx.people["iot_role"]
    active = ctx.people["employment_status"] == "active"
    if not np.any((role == "admin") & active):
        role[int(np.nonzero(active)[0][0])] = "admin"
    return np.asarray(ctx.people["person_id"][(role == "admin") & active])


def _clean_devices(ctx: FirmContext, n: int, prefix: str, admins: np.ndarray) -> dict[str, Any]:
    """n devices with no gap except on retired ones (which no check judges)."""
    rng = ctx.rng
    as_of = np.datetime64(ctx.as_of, "D")
    window_start = np.datetime64(_window_start(ctx), "D")
    type_idx = rng.choice(len(TYPES), size=n, p=[t[1] for t in TYPES])
    retired = rng.random(n) < 0.07
    retired[0] = False  # every set has an active first device
    acquired = as_of - rng.integers(30, 2500, size=n).astype("timedelta64[D]")
    acquired[retired] = as_of - rng.integers(800, 2500, size=int(retired.sum())).astype("timedelta64[D]")
    in_window = acquired >= window_start
    cert = rng.choice(CERTIFICATIONS, size=n).astype(object)
    cert[~in_window & (rng.random(n) < 0.5)] = None
    update = np.maximum(acquired, as_of - rng.integers(0, 330, size=n).astype("timedelta64[D]"))
    update[retired] = as_of - rng.integers(400, 900, size=int(retired.sum())).astype("timedelta64[D]")
    password = np.ones(n, dtype=bool).astype(object)
    password[retired & (rng.random(n) < 0.4)] = False
    exposed = np.zeros(n, dtype=bool).astype(object)
    exposed[rng.random(n) < 0.1] = None
    exposed[retired & (rng.random(n) < 0.2)] = True
    keep = rng.random((n, 3)) < 0.8
    ports: list[list[str]] = []
    for i in range(n):  # one short list per device: the cell is a list of ports
        base = TYPES[type_idx[i]][2]
        chosen = [p for k, p in enumerate(base) if k == 0 or keep[i, k % 3]]
        ports.append([*chosen, "23"] if retired[i] and keep[i, 0] else chosen)
    pick = rng.integers(0, 6, size=n)
    vendor = np.array([TYPES[t][3][int(v) % len(TYPES[t][3])] for t, v in zip(type_idx, pick, strict=True)])
    return {
        "device_id": np.array([f"{prefix}{i:05d}" for i in range(1, n + 1)]),
        "device_type": np.array([TYPES[t][0] for t in type_idx]),
        "vendor": vendor,
        "location": rng.choice(LOCATIONS, size=n),
        "owner_id": rng.choice(admins, size=n),
        "last_verified_on": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "default_password_changed": password,
        "last_security_update_on": update,
        "certification": cert,
        "acquired_on": acquired,
        "publicly_exposed": exposed,
        "open_ports": ports,
        "status": np.where(retired, "已報廢", "使用中").astype(object),
    }


def _inventory(ctx: FirmContext, admins: np.ndarray) -> None:
    rng = ctx.rng
    planted = ctx.planted
    as_of = np.datetime64(ctx.as_of, "D")
    window_start = np.datetime64(_window_start(ctx), "D")
    day = np.timedelta64(1, "D")
    n = max(60, ctx.n(2000))
    dev = _clean_devices(ctx, n, "IOT-", admins)
    ids = dev["device_id"]
    # Head office: most rows take the file's date; the rest were verified individually this year.
    verified = as_of - rng.integers(0, 300, size=n).astype("timedelta64[D]")
    dev["last_verified_on"] = np.where(rng.random(n) < 0.6, np.datetime64("NaT"), verified)

    active = np.nonzero(dev["status"] == "使用中")[0]
    order = [int(i) for i in rng.permutation(active)]
    blocks: dict[str, list[int]] = {}
    sizes = {
        "boundary": 2, "bms": 1, "display": 2, "verified": max(2, ctx.n(10)), "password": max(2, ctx.n(15)),
        "update": max(3, ctx.n(25)), "exposed": max(1, ctx.n(5)), "cert": max(2, ctx.n(10)),
        "ports": max(3, ctx.n(20)), "defect_fix": max(2, ctx.n(8)), "defect_late": 1,
        "defect_none": max(4, ctx.n(6)), "probe": max(2, ctx.n(6)),
    }
    of_check = {
        "verified": "iot_inventory_updated_within_year", "password": "iot_default_password_changed",
        "update": "iot_security_update_within_year", "exposed": "iot_not_on_public_internet",
        "cert": "iot_device_certified", "ports": "iot_only_needed_ports_open", "bms": "iot_only_needed_ports_open",
        "display": "iot_only_needed_ports_open", "defect_fix": "iot_defect_fixed_or_compensated",
        "defect_late": "iot_defect_fixed_or_compensated", "defect_none": "iot_defect_fixed_or_compensated",
        "probe": PROBE_CHECK,
    }
    sizes = {name: size if name not in of_check or ctx.plants(of_check[name]) else 0 for name, size in sizes.items()}
    at = 0
    for name, size in sizes.items():
        blocks[name] = order[at:at + size]
        at += size

    # Clean boundary rows: verified, updated and acquired (certified) exactly 12 months back; and
    # an uncertified device acquired the day before the window.
    b0, b1 = blocks["boundary"]
    dev["last_verified_on"][b0] = window_start
    dev["last_security_update_on"][b0] = window_start
    dev["acquired_on"][b0], dev["certification"][b0] = window_start, str(CERTIFICATIONS[1])
    dev["acquired_on"][b1], dev["certification"][b1] = window_start - day, None

    def keys(name: str) -> list[str]:
        return [str(ids[i]) for i in blocks[name]]

    for k, i in enumerate(blocks["verified"]):
        dev["last_verified_on"][i] = window_start - (1 if k == 0 else int(rng.integers(2, 400))) * day
    planted.fail("iot_inventory_updated_within_year", *keys("verified"))

    for i in blocks["password"]:
        dev["default_password_changed"][i] = False
    planted.fail("iot_default_password_changed", *keys("password"))

    for k, i in enumerate(blocks["update"]):
        dev["acquired_on"][i] = as_of - int(rng.integers(800, 2000)) * day
        if k == 0:
            dev["last_security_update_on"][i] = window_start - day
        elif k % 2:
            dev["last_security_update_on"][i] = np.datetime64("NaT")
        else:
            dev["last_security_update_on"][i] = window_start - int(rng.integers(2, 500)) * day
    planted.fail("iot_security_update_within_year", *keys("update"))

    for i in blocks["exposed"]:
        dev["publicly_exposed"][i] = True
    planted.fail("iot_not_on_public_internet", *keys("exposed"))

    for k, i in enumerate(blocks["cert"]):
        dev["acquired_on"][i] = as_of - int(rng.integers(0, 300)) * day
        dev["last_security_update_on"][i] = max(dev["acquired_on"][i], dev["last_security_update_on"][i])
        dev["certification"][i] = None if k % 2 == 0 else "無"
    if len(blocks["cert"]) > 1:
        dev["acquired_on"][blocks["cert"][1]] = np.datetime64("NaT")  # undated: reported, never passed
    planted.fail("iot_device_certified", *keys("cert"))

    port_keys: list[str] = []
    for k, i in enumerate(blocks["ports"]):
        extra = EXTRA_PORTS[k % len(EXTRA_PORTS)]
        dev["open_ports"][i] = [*dev["open_ports"][i], extra]
        port_keys.append(f"{ids[i]}|{extra}")
    for bms in blocks["bms"]:  # Modbus left open on a building controller, under an approved exception
        dev["device_type"][bms], dev["vendor"][bms] = "bms_controller", "Siemens"
        dev["open_ports"][bms] = ["47808", "502"]
        ctx.measures.append({
            "measure_id": "CM-IOT-004", "requirement_id": "12.4.3", "check_id": "iot_only_needed_ports_open",
            "subject": str(ids[bms]), "description": "Modbus僅允許樓控主機來源IP連線，並納入每月弱點掃描",
            "approved_by": "資安長", "approved_on": ctx.days_before(120),
            "review_by": ctx.as_of + dt.timedelta(days=245),
        })
        planted.fail("iot_only_needed_ports_open", f"{ids[bms]}|502", compensated=True)
    kind, display_ports, display_vendor = NO_BASELINE_TYPE
    for i in blocks["display"]:
        dev["device_type"][i], dev["vendor"][i] = kind, display_vendor
        dev["open_ports"][i] = list(display_ports)
        port_keys += [f"{ids[i]}|{p}" for p in display_ports]
    planted.fail("iot_only_needed_ports_open", *port_keys)

    ctx.writer.write("iot_inventory", dev, Style(fmt="xlsx", zh_headers=True, roc_dates=True, bool_style="v"),
                     name=f"物聯網設備清冊_{_stamp(ctx.as_of - dt.timedelta(days=30))}")
    _branch_inventory(ctx, admins)
    _baselines(ctx)
    _port_probe(ctx, dev, blocks["probe"], order[at:at + max(8, ctx.n(40))])
    _defects(ctx, dev, blocks)


def _branch_inventory(ctx: FirmContext, admins: np.ndarray) -> None:
    """A branch's extract, dated before the window: rows without their own date are stale."""
    rng = ctx.rng
    n = max(6, ctx.n(60))
    dev = _clean_devices(ctx, n, "IOT-TC-", admins)
    dev["location"] = np.full(n, "台中分公司")
    verified = np.datetime64(ctx.as_of, "D") - rng.integers(0, 300, size=n).astype("timedelta64[D]")
    undated = rng.random(n) < 0.3
    undated[0] = True
    if not ctx.plants("iot_inventory_updated_within_year"):  # the credible branch dates every row
        undated[:] = False
    dev["last_verified_on"] = np.where(undated, np.datetime64("NaT"), verified)
    stale = undated & (dev["status"] == "使用中")
    ctx.planted.fail("iot_inventory_updated_within_year", *dev["device_id"][stale].tolist())
    file_date = _window_start(ctx) - dt.timedelta(days=45)
    ctx.writer.write("iot_inventory", dev, Style(fmt="parquet"),
                     name=f"物聯網設備清冊_台中分公司_{_stamp(file_date)}")


def _port_probe(ctx: FirmContext, dev: dict[str, Any], gaps: list[int], clean: list[int]) -> None:
    """What `ccaudit probe ports` wrote for a sample of head-office devices ten days before the as-of date:
    their baseline ports open and Telnet closed; on the gap devices also Telnet open, an admin page known
    for its default log-in, or an HTTP port outside the baseline."""
    baseline = {t[0]: t[2] for t in TYPES}
    scanned = dt.datetime.combine(ctx.as_of - dt.timedelta(days=10), dt.time(2, 0), tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []

    def observe(i: int, port: str, state: str, service: str | None, **flags: bool) -> None:
        rows.append({"device_id": str(dev["device_id"][i]), "device_type": str(dev["device_type"][i]),
                     "address": f"10.20.{i // 250}.{i % 250 + 2}", "port": port, "state": state,
                     "service": service, "allowed_by_baseline": port in baseline[str(dev["device_type"][i])]
                     if state == "open" else None, "cleartext_login": flags.get("cleartext", False),
                     "default_login_suspected": flags.get("default_login", False),
                     "observed_at": scanned + dt.timedelta(seconds=len(rows))})

    for i in [*clean, *gaps]:
        for port in dev["open_ports"][i]:
            if port in baseline[str(dev["device_type"][i])]:
                observe(i, port, "open", PORT_SERVICES.get(port))
    for i in clean:
        observe(i, "23", "closed", None)
    for k, i in enumerate(gaps):
        port, service, flags = PROBE_GAPS[k % len(PROBE_GAPS)]
        observe(i, port, "open", service, **flags)
        ctx.planted.fail(PROBE_CHECK, f"{dev['device_id'][i]}|{port}")
    if rows and not gaps:
        ctx.planted.expect_check(PROBE_CHECK)
    ctx.writer.write("iot_port_observations", {f: [r[f] for r in rows] for f in rows[0]},
                     Style(fmt="csv", encoding="utf-8-sig", zh_headers=True, bool_style="zh"),
                     name="物聯網服務埠探測")


def _baselines(ctx: FirmContext) -> None:
    ctx.writer.write("iot_type_baselines", {
        "device_type": [t[0] for t in TYPES], "allowed_ports": [t[2] for t in TYPES],
    }, Style(fmt="csv"), name="iot_type_baselines")


def _defects(ctx: FirmContext, dev: dict[str, Any], blocks: dict[str, list[int]]) -> None:
    rng = ctx.rng
    ids = dev["device_id"]
    active = np.nonzero(dev["status"] == "使用中")[0]
    retired = np.nonzero(dev["status"] != "使用中")[0]
    n_clean = max(10, ctx.n(150))
    on = rng.choice(active, size=n_clean)
    fix = rng.random(n_clean) < 0.7
    rows: list[dict[str, Any]] = []
    for k in range(n_clean):
        rows.append({
            "device_id": str(ids[on[k]]), "fix_available": bool(fix[k]),
            "fixed_on": ctx.days_before(int(rng.integers(1, 600))) if fix[k] else None,
            "compensating_control": None if fix[k] else str(rng.choice(CONTROLS)),
        })
    # Noise: retired devices keep their unfixed defects; no check judges them.
    for i in retired[:5]:
        rows.append({"device_id": str(ids[i]), "fix_available": False, "fixed_on": None,
                     "compensating_control": None})
    planted_rows: list[tuple[str, dict[str, Any]]] = []
    for i in blocks["defect_fix"]:
        planted_rows.append(("open", {"device_id": str(ids[i]), "fix_available": True, "fixed_on": None,
                                      "compensating_control": None}))
    for i in blocks["defect_late"]:  # the firm's planned patch date, after the as-of date
        planted_rows.append(("open", {"device_id": str(ids[i]), "fix_available": True,
                                      "fixed_on": ctx.as_of + dt.timedelta(days=12),
                                      "compensating_control": None}))
    for i in blocks["defect_none"]:
        planted_rows.append(("none", {"device_id": str(ids[i]), "fix_available": False, "fixed_on": None,
                                      "compensating_control": None}))
    start = len(rows)
    rows += [r for _, r in planted_rows]
    year = ctx.as_of.year
    for k, row in enumerate(rows):
        row["defect_id"] = f"CVE-{year - 1 - k % 3}-{20001 + k}"
    planted_keys = [f"{r['device_id']}|{r['defect_id']}" for r in rows[start:]]
    no_fix = [r for kind, r in planted_rows if kind == "none"]
    for j, row in enumerate(no_fix[:3]):
        valid = j < 2
        ctx.measures.append({
            "measure_id": f"CM-IOT-00{j + 1}", "requirement_id": "12.4.2",
            "check_id": "iot_defect_fixed_or_compensated", "subject": row["device_id"],
            "description": "原廠已停止支援，設備移至獨立VLAN並限制來源IP" if valid
            else "暫時停用遠端管理功能（待汰換）",
            "approved_by": "資安長", "approved_on": ctx.days_before(200 if valid else 500),
            "review_by": ctx.as_of + dt.timedelta(days=165) if valid else ctx.days_before(31),
        })
    compensated = {f"{r['device_id']}|{r['defect_id']}" for r in no_fix[:2]}
    ctx.planted.fail("iot_defect_fixed_or_compensated", *compensated, compensated=True)
    ctx.planted.fail("iot_defect_fixed_or_compensated", *[k for k in planted_keys if k not in compensated])
    order = rng.permutation(len(rows))
    rows = [rows[int(i)] for i in order]
    fields = ("device_id", "defect_id", "fix_available", "fixed_on", "compensating_control")
    columns: dict[str, Column] = {f: [r[f] for r in rows] for f in fields}
    ctx.writer.write("iot_known_defects", columns,
                     Style(fmt="csv", encoding="cp950", zh_headers=True, roc_dates=True, bool_style="zh"),
                     name=f"物聯網已知弱點_{_stamp(ctx.as_of)}")


def _contracts(ctx: FirmContext) -> None:
    rng = ctx.rng
    window_start = _window_start(ctx)
    n = max(10, ctx.n(40))
    signed = [ctx.days_before(int(d)) for d in rng.integers(0, 1500, size=n)]
    signed[0], signed[1] = window_start, window_start - dt.timedelta(days=1)
    in_window = [i for i in range(n) if signed[i] >= window_start]
    gaps = [0, *[i for i in rng.permutation(in_window).tolist() if i != 0][: max(1, ctx.n(3))]]
    if not ctx.plants("iot_contract_has_security_terms"):
        gaps = []
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {
            "contract_id": f"PC-{signed[i].year}-{i + 1:03d}", "supplier": SUPPLIERS[i % len(SUPPLIERS)],
            "signed_on": signed[i],
        }
        old = signed[i] < window_start
        for term in TERMS:  # older contracts predate the firm's template: terms missing at random
            row[term] = bool(rng.random() < 0.6) if old else True
        rows.append(row)
    for term in TERMS:
        rows[1][term] = False  # the day before the window: not judged
    for k, i in enumerate(gaps):
        if k == 0:
            rows[i]["vulnerability_notification"] = False
        elif k % 2:
            rows[i]["update_lifespan_defined"] = False
        else:
            rows[i]["response_measures"] = None
            rows[i]["liabilities_defined"] = None
    ctx.planted.fail("iot_contract_has_security_terms", *[rows[i]["contract_id"] for i in gaps])
    columns: dict[str, Column] = {f: [r[f] for r in rows] for f in rows[0]}
    ctx.writer.write("iot_contracts", columns, Style(fmt="xlsx", bool_style="yn"), name="物聯網採購合約")


def _training(ctx: FirmContext) -> None:
    rng = ctx.rng
    people = ctx.people
    role = people["iot_role"]
    active = people["employment_status"] == "active"
    # Planted on people who do not work remotely, whose records the remote-work area leaves alone.
    quiet = active & ~people["remote_allowed"].astype(bool)
    want = max(2, ctx.n(12))
    pool = np.nonzero(quiet & np.isin(role, ["user", "admin"]))[0]
    if len(pool) < want:
        extra = np.nonzero(quiet & (role == "none"))[0][: want - len(pool)]
        role[extra] = "user"
        pool = np.nonzero(quiet & np.isin(role, ["user", "admin"]))[0]
    gaps = rng.permutation(pool)[:want] if ctx.plants("iot_staff_trained_within_year") else pool[:0]
    staff = np.nonzero(np.isin(role, ["user", "admin"]))[0]
    trained = np.setdiff1d(staff, gaps)
    as_of = np.datetime64(ctx.as_of, "D")
    window_start = np.datetime64(_window_start(ctx), "D")
    day = np.timedelta64(1, "D")

    person: list[str] = []
    completed: list[np.datetime64] = []
    recent = as_of - rng.integers(0, 330, size=len(trained)).astype("timedelta64[D]")
    if len(trained):
        recent[0] = window_start  # trained exactly 12 months back: still within the year
    person += people["person_id"][trained].tolist()
    completed += list(recent)
    again = trained[rng.random(len(trained)) < 0.4]  # last year's course as well
    person += people["person_id"][again].tolist()
    completed += list(window_start - rng.integers(30, 330, size=len(again)).astype("timedelta64[D]"))
    for k, i in enumerate(gaps):
        if k % 3 == 1:  # trained once, the day before the window opened
            person.append(str(people["person_id"][i]))
            completed.append(window_start - day)
        elif k % 3 == 2:
            person.append(str(people["person_id"][i]))
            completed.append(window_start - int(rng.integers(60, 400)) * day)
    # Noise: people without IoT duties who took the course anyway.
    others = np.nonzero(role == "none")[0]
    curious = rng.permutation(others)[: max(1, len(others) // 30)]
    person += people["person_id"][curious].tolist()
    completed += list(as_of - rng.integers(0, 330, size=len(curious)).astype("timedelta64[D]"))
    ctx.planted.fail("iot_staff_trained_within_year", *people["person_id"][gaps].tolist())

    done = np.array(completed, dtype="datetime64[D]")
    years = done.astype("datetime64[Y]").astype(int) + 1970
    ctx.writer.write("training_records", {
        "person_id": np.array(person), "course_id": np.char.add("IOT-SEC-", years.astype(str)),
        "course_title": np.full(len(person), "物聯網設備資訊安全實務"),
        "topic": np.full(len(person), "物聯網"),
        "completed_on": done,
    }, Style(fmt="xlsx", zh_headers=True, roc_dates=True), name="training_records_iot")

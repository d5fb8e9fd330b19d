"""Compile locale/*/LC_MESSAGES/*.po and each app's <app>/locale/...  into .mo with polib, so the bootstrap needs no GNU
gettext on the machine (Django's compilemessages shells out to msgfmt)."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
count = 0
PO_FILES = sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po")) + sorted(ROOT.glob("*/locale/*/LC_MESSAGES/*.po"))
for po_path in PO_FILES:
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    count += 1
    print(f"compile_messages: {po_path.relative_to(ROOT)} ({po.percent_translated()}% translated)")
if not count:
    raise SystemExit("compile_messages: no .po files found under locale/")

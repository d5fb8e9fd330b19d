"""Copy front-end assets from node_modules into static/vendor/ (no CDN at run time)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = {
    "node_modules/@picocss/pico/css/pico.min.css": "static/vendor/pico/pico.min.css",
    "node_modules/htmx.org/dist/htmx.min.js": "static/vendor/htmx/htmx.min.js",
}

for source, target in ASSETS.items():
    src, dst = ROOT / source, ROOT / target
    if not src.exists():
        raise SystemExit(f"vendor_assets: {source} is missing; run `npm ci` first")
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
print(f"vendor_assets: {len(ASSETS)} files copied into static/vendor/")

#!/usr/bin/env node
// Compiles platform/src/*.sol with the npm solcjs compiler into platform/artifacts/<Name>.json
// ({abi, bytecode, deployedBytecode, contractName, compiler}), one file per deployable
// contract, with sorted keys so the output is byte-for-byte deterministic.
//
//   node platform/tools/build.mjs          write the artifacts
//   node platform/tools/build.mjs --check  exit 1 when the committed artifacts are stale
//
// The compiler settings here are the ones foundry.toml uses (optimizer, runs, viaIR, EVM).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const platformDir = path.resolve(here, "..");
const root = path.resolve(platformDir, "..");
const require = createRequire(import.meta.url);
const solc = require(path.join(root, "node_modules", "solc"));

export const SETTINGS = {
  optimizer: { enabled: true, runs: 10000 },
  viaIR: true,
  evmVersion: "prague",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

/** Compile `sources` ({path: {content}}) and return solc's output, throwing on errors. */
export function compile(sources, settings = SETTINGS) {
  const input = { language: "Solidity", sources, settings };
  const findImports = (p) => {
    for (const base of [platformDir, root, path.join(root, "node_modules")]) {
      const full = path.join(base, p);
      if (fs.existsSync(full)) return { contents: fs.readFileSync(full, "utf8") };
    }
    return { error: `File not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (out.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return out;
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

function buildArtifacts() {
  const srcDir = path.join(platformDir, "src");
  const sources = {};
  for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort()) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(srcDir, f), "utf8") };
  }
  const out = compile(sources);
  const artifacts = {};
  for (const [file, contracts] of Object.entries(out.contracts)) {
    if (!file.startsWith("src/")) continue;
    for (const [name, c] of Object.entries(contracts)) {
      // Skip interfaces, abstract contracts and internal-only libraries (nothing to call).
      if (!c.evm.bytecode.object || c.abi.length === 0) continue;
      artifacts[`${name}.json`] =
        JSON.stringify(
          sortKeys({
            abi: c.abi,
            bytecode: "0x" + c.evm.bytecode.object,
            compiler: { settings: { ...SETTINGS, outputSelection: undefined }, version: solc.version() },
            contractName: name,
            deployedBytecode: "0x" + c.evm.deployedBytecode.object,
            sourceName: file,
          }),
          null,
          2,
        ) + "\n";
    }
  }
  return artifacts;
}

function main() {
  const check = process.argv.includes("--check");
  const artDir = path.join(platformDir, "artifacts");
  const artifacts = buildArtifacts();
  if (check) {
    const existing = fs.existsSync(artDir) ? fs.readdirSync(artDir).filter((f) => f.endsWith(".json")) : [];
    const stale = [];
    for (const [f, text] of Object.entries(artifacts)) {
      const p = path.join(artDir, f);
      if (!fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text) stale.push(f);
    }
    for (const f of existing) if (!(f in artifacts)) stale.push(`${f} (no longer built)`);
    if (stale.length) {
      console.error(`platform/artifacts are stale: ${stale.join(", ")}; run: node platform/tools/build.mjs`);
      process.exit(1);
    }
    console.log(`platform/artifacts up to date (${Object.keys(artifacts).length} contracts)`);
    return;
  }
  fs.mkdirSync(artDir, { recursive: true });
  for (const f of fs.readdirSync(artDir)) if (f.endsWith(".json") && !(f in artifacts)) fs.unlinkSync(path.join(artDir, f));
  for (const [f, text] of Object.entries(artifacts)) fs.writeFileSync(path.join(artDir, f), text);
  console.log(`wrote ${Object.keys(artifacts).sort().join(", ")} to platform/artifacts/`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

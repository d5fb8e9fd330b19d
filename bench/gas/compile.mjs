// Compiles bench/gas/PlainERC20.sol with the project's compiler settings and prints
// {"abi": [...], "bytecode": "0x..."} on stdout (bench only; nothing is written).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "../../platform/tools/build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const content = fs.readFileSync(path.join(here, "PlainERC20.sol"), "utf8");
const out = compile({ "PlainERC20.sol": { content } });
const c = out.contracts["PlainERC20.sol"].PlainERC20;
process.stdout.write(JSON.stringify({ abi: c.abi, bytecode: "0x" + c.evm.bytecode.object }));

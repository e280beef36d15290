/**
 * @module cli — runs the shared scenario in a server-side runtime process: Node (20/22/24), Deno and Bun.
 * Usage: `<runtime> test/runtimes/cli.mjs <baseUrl>`. `tim-topics` resolves to dist/ through the package's own
 * `exports` (self-reference), exactly as in a consumer project. Prints one line per check, then a marker line with
 * the JSON result for the orchestrator; exits 1 when any check failed.
 */
import * as sdk from "tim-topics";
import * as testing from "tim-topics/testing";
import { formatChecks, resultMarker, runScenario } from "./scenario.mjs";

const deno = globalThis.Deno;
const args = deno ? deno.args : globalThis.process.argv.slice(2);
const baseUrl = args[0];
if (!baseUrl) throw new Error("usage: test/runtimes/cli.mjs <baseUrl>");

const result = await runScenario(sdk, { baseUrl, testing });
console.log(formatChecks(result));
console.log(resultMarker + JSON.stringify(result));
if (!result.ok) {
  if (deno) deno.exit(1);
  else globalThis.process.exitCode = 1;
}

/**
 * @module edge — entry of the IIFE bundle evaluated in Vercel's edge-runtime VM (which resolves no modules).
 * Exposes `globalThis.timMatrix`: `scenario(baseUrl)` runs the shared scenario; `workerExample(url, init, env)` calls
 * the fetch handler of examples/cloudflare-worker.mjs, unchanged. Results cross the VM boundary as JSON strings.
 */
import * as sdk from "tim-topics";
import * as testing from "tim-topics/testing";
import { runScenario } from "./scenario.mjs";
import workerExample from "../../examples/cloudflare-worker.mjs";

globalThis.timMatrix = {
  scenario: async (baseUrl) => JSON.stringify(await runScenario(sdk, { baseUrl, testing })),
  workerExample: async (url, init, env) => {
    const response = await workerExample.fetch(new Request(url, init), env);
    return JSON.stringify({ status: response.status, body: await response.text() });
  },
};

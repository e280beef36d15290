/**
 * @module worker — the shared scenario as a Cloudflare Worker (run in workerd through miniflare).
 * `GET /scenario` runs it against `env.TIM_BASE_URL` and answers with the JSON result. Bundled by esbuild first:
 * workerd resolves no bare specifiers.
 */
import * as sdk from "tim-topics";
import * as testing from "tim-topics/testing";
import { runScenario } from "./scenario.mjs";

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== "/scenario") return new Response("not found", { status: 404 });
    return Response.json(await runScenario(sdk, { baseUrl: env.TIM_BASE_URL, testing }));
  },
};

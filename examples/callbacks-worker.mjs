/**
 * IM's topic callbacks as a Cloudflare Worker (workerd): verified, typed, answered in IM's envelope. Refuses topics
 * whose name mentions "spam". The settings are the Worker's bindings, which workerd passes as `fetch`'s second
 * argument (Deno and Bun pass something else there: see callbacks-deno.ts and callbacks-bun.ts).
 *
 *   wrangler.toml:  main = "examples/callbacks-worker.mjs"   compatibility_date = "2025-01-01"
 *                   [vars] TIM_SDKAPPID = "1400000000"
 *   wrangler secret put TIM_CALLBACK_TOKEN
 */
import { createCallbackHandler } from "tim-topics/callbacks";

let handler;
export default {
  /** @param {Request} request @param {Record<string, string | undefined>} env */
  fetch(request, env) {
    // Created on the first request (bindings arrive with it); a missing setting fails every request (500), loudly.
    if (!handler) {
      const sdkAppId = Number(env.TIM_SDKAPPID);
      if (!Number.isSafeInteger(sdkAppId) || sdkAppId < 1 || !env.TIM_CALLBACK_TOKEN) throw new Error("Set the TIM_SDKAPPID variable and the TIM_CALLBACK_TOKEN secret");
      handler = createCallbackHandler({
        sdkAppId,
        token: env.TIM_CALLBACK_TOKEN,
        on: {
          beforeCreateTopic: (body) => (body.Name.toLowerCase().includes("spam") ? { allow: false } : { allow: true }),
          afterCreateTopic: (body) => console.log(`topic ${body.TopicId} created`),
        },
        onEvent: (event) => console.warn(`callback ${event.kind} (${event.reason}): ${event.message}`),
      });
    }
    return handler(request);
  },
};

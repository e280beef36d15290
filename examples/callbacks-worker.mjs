/**
 * IM's topic callbacks as a Cloudflare Worker (or any fetch handler: Deno.serve, Bun.serve, Vercel Edge): verified,
 * typed, answered in IM's envelope. Refuses topics whose name mentions "spam". Bindings: TIM_SDKAPPID,
 * TIM_CALLBACK_TOKEN (a secret: `wrangler secret put TIM_CALLBACK_TOKEN`).
 */
import { createCallbackHandler } from "tim-topics/callbacks";

let handler;
export default {
  fetch(request, env) {
    handler ??= createCallbackHandler({
      sdkAppId: Number(env.TIM_SDKAPPID),
      token: env.TIM_CALLBACK_TOKEN,
      on: {
        beforeCreateTopic: (body) => (body.Name.toLowerCase().includes("spam") ? { allow: false } : { allow: true }),
        afterCreateTopic: (body) => console.log(`topic ${body.TopicId} created`),
      },
    });
    return handler(request);
  },
};

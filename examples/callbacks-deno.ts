/**
 * IM's topic callbacks on Deno 2, served by `Deno.serve`: verified, typed, answered in IM's envelope. Refuses topics
 * whose name mentions "spam".
 *
 *   TIM_SDKAPPID=… TIM_CALLBACK_TOKEN=… deno run --allow-net=127.0.0.1 --allow-env=TIM_SDKAPPID,TIM_CALLBACK_TOKEN,PORT examples/callbacks-deno.ts
 *
 * (PORT, default 8080.) In your own project, `deno add npm:tim-topics` maps the bare import below.
 */
import { createCallbackHandler } from "tim-topics/callbacks";

// Deno's own global, declared here so this file also type-checks in the repo's Node-flavoured tsconfig.
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(options: { hostname: string; port: number; onListen(address: { hostname: string; port: number }): void }, handler: (request: Request) => Promise<Response>): unknown;
};

const sdkAppId = Number(Deno.env.get("TIM_SDKAPPID"));
const token = Deno.env.get("TIM_CALLBACK_TOKEN");
// No fallbacks: a token anyone can read would let anyone approve topics.
if (!Number.isSafeInteger(sdkAppId) || sdkAppId < 1 || !token) throw new Error("Set TIM_SDKAPPID (your SDKAppID) and TIM_CALLBACK_TOKEN (the console's 回调鉴权 token)");

const handler = createCallbackHandler({
  sdkAppId,
  token,
  on: {
    beforeCreateTopic: (body) => (body.Name.toLowerCase().includes("spam") ? { allow: false } : { allow: true }),
    afterCreateTopic: (body, context) => console.log(`topic ${body.TopicId} created by ${body.Operator_Account} (${context.optPlatform})`),
    afterTopicDestroyed: (body) => console.log(`destroyed: ${body.TopicIdList.join(", ")}`),
  },
  onEvent: (event) => console.warn(`callback ${event.kind} (${event.reason}): ${event.message}`),
});

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8080), onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`) }, handler);

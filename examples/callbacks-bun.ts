/**
 * IM's topic callbacks on Bun, served by `Bun.serve`: verified, typed, answered in IM's envelope. Refuses topics
 * whose name mentions "spam".
 *
 *   TIM_SDKAPPID=… TIM_CALLBACK_TOKEN=… bun examples/callbacks-bun.ts      (PORT, default 8080; `bun add tim-topics`)
 */
import { createCallbackHandler } from "tim-topics/callbacks";

// Bun's own global, declared here so this file also type-checks in the repo's Node-flavoured tsconfig.
declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Promise<Response> }): { port: number };
};

const sdkAppId = Number(Bun.env.TIM_SDKAPPID);
const token = Bun.env.TIM_CALLBACK_TOKEN;
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

const server = Bun.serve({ hostname: "127.0.0.1", port: Number(Bun.env.PORT ?? 8080), fetch: handler });
console.log(`listening on http://127.0.0.1:${server.port}`);
